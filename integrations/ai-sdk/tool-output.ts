import { isJsonObject, toJsonValue } from './json-value.js';
import type { PartMetadata } from './message-metadata.js';
import { type JsonValue } from '../../src/index.js';

/** The SDK's tool-result output union (the same tags in ModelMessage and spec V3/V4). */
export type SdkToolResultOutput =
  | { type: 'text'; value: string; providerOptions?: unknown }
  | { type: 'json'; value: unknown; providerOptions?: unknown }
  | { type: 'error-text'; value: string; providerOptions?: unknown }
  | { type: 'error-json'; value: unknown; providerOptions?: unknown }
  | { type: 'execution-denied'; reason?: string; providerOptions?: unknown }
  | { type: 'content'; value: unknown[] };

/**
 * Maps an SDK tool output to our `{ output, isError }`: text and JSON outputs keep their value,
 * error variants set `isError`. Other variants (`execution-denied`, `content`) are kept whole as
 * JSON, marked `outputType: 'raw'`. `meta.outputType` is set only when the value alone would be
 * read back as another type (a JSON output whose value is a string).
 */
export function toolOutputFromSdk(output: SdkToolResultOutput): { output: JsonValue; isError?: true; meta: PartMetadata } {
  switch (output.type) {
    case 'text':
      return { output: output.value, meta: {} };
    case 'error-text':
      return { output: output.value, isError: true, meta: {} };
    case 'json':
    case 'error-json': {
      const value = toJsonValue(output.value);
      const meta: PartMetadata = typeof value === 'string' ? { outputType: 'json' } : {};
      return output.type === 'json' ? { output: value, meta } : { output: value, isError: true, meta };
    }
    default:
      return { output: toJsonValue(output), meta: { outputType: 'raw' } };
  }
}

/** The inverse of {@link toolOutputFromSdk}; without metadata a string output is text, anything else JSON. */
export function toolOutputToSdk(output: JsonValue, isError: boolean | undefined, meta: PartMetadata | null | undefined): SdkToolResultOutput {
  if (meta?.outputType === 'raw' && isJsonObject(output) && typeof output.type === 'string') {
    return output as unknown as SdkToolResultOutput;
  }
  const asText = typeof output === 'string' && meta?.outputType !== 'json';
  if (asText) return isError === true ? { type: 'error-text', value: output } : { type: 'text', value: output };
  return isError === true ? { type: 'error-json', value: output } : { type: 'json', value: output };
}
