import { z } from 'zod';

const nonEmpty = z.string().min(1);

/**
 * The shapes of a message content part (the AI SDK's `ModelMessage` parts): text, reasoning, file,
 * tool-call, tool-result. Its own module, imported on first use by `validateNewMessages`: zod is
 * about a hundred modules, ≈ 0.1 s of a serverless cold start, and string content never needs it.
 */
export const CONTENT_PART_SCHEMA = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('reasoning'), text: z.string() }),
  z.object({ type: z.literal('file'), mediaType: nonEmpty, url: nonEmpty, filename: z.string().optional() }),
  z.object({ type: z.literal('tool-call'), toolCallId: nonEmpty, toolName: nonEmpty, input: z.unknown() }),
  z.object({ type: z.literal('tool-result'), toolCallId: nonEmpty, toolName: nonEmpty, output: z.unknown(), isError: z.boolean().optional() }),
]);

export type ContentPartSchema = typeof CONTENT_PART_SCHEMA;
