import fc from 'fast-check';
import type { ContentPart, JsonValue, MessageContent, Role } from '../../src/types.js';
import { bytesToBase64 } from '../../integrations/ai-sdk/json-value.js';

// Test-only generators shared by the converter property tests.

const mediaTypes = ['image/png', 'image/jpeg', 'application/pdf', 'text/plain'] as const;
const urls = ['https://example.com/a.png', 'https://cdn.example.org/files/report.pdf', 's3://bucket/key.txt'] as const;

// Through JSON once: stores keep JSON, where -0 reads back as 0.
export const jsonValue: fc.Arbitrary<JsonValue> = fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.parse(JSON.stringify(value)) as JsonValue);
const id = fc.stringMatching(/^[a-zA-Z0-9_-]{1,12}$/);
const bytes = fc.uint8Array({ minLength: 0, maxLength: 24 });
const base64 = bytes.map(bytesToBase64);
const providerOptions = fc.dictionary(fc.constantFrom('openai', 'anthropic', 'google'), fc.dictionary(fc.constantFrom('cacheControl', 'signature', 'itemId'), fc.oneof(fc.string(), fc.integer())), { minKeys: 1, maxKeys: 2 });

const textPart = fc.record({ type: fc.constant('text' as const), text: fc.string() });
const reasoningPart = fc.record({ type: fc.constant('reasoning' as const), text: fc.string() });
const filePart = fc
  .record({ mediaType: fc.constantFrom(...mediaTypes), data: fc.oneof(fc.constantFrom(...urls), base64), filename: fc.option(fc.string({ minLength: 1 }), { nil: undefined }) })
  .map(({ mediaType, data, filename }): ContentPart => {
    const url = data.includes(':') ? data : `data:${mediaType};base64,${data}`;
    return filename === undefined ? { type: 'file', mediaType, url } : { type: 'file', mediaType, url, filename };
  });
const toolCallPart = fc.record({ type: fc.constant('tool-call' as const), toolCallId: id, toolName: id, input: jsonValue });
const toolResultPart = fc
  .record({ toolCallId: id, toolName: id, output: jsonValue, isError: fc.boolean() })
  .map(({ isError, ...rest }): ContentPart => (isError ? { type: 'tool-result', ...rest, isError: true } : { type: 'tool-result', ...rest }));

/** Our messages as they come from any source (not only the SDK). */
export const ourMessage: fc.Arbitrary<{ role: Role; content: MessageContent }> = fc.oneof(
  fc.record({ role: fc.constant('system' as const), content: fc.string() }),
  fc.record({ role: fc.constant('user' as const), content: fc.oneof(fc.string(), fc.array(fc.oneof(textPart, filePart), { maxLength: 4 })) }),
  fc.record({
    role: fc.constant('assistant' as const),
    content: fc.oneof(fc.string(), fc.array(fc.oneof(textPart, reasoningPart, filePart, toolCallPart, toolResultPart), { maxLength: 5 })),
  }),
  fc.record({ role: fc.constant('tool' as const), content: fc.array(toolResultPart, { minLength: 1, maxLength: 3 }) }),
);

const withOptions = <T extends object>(arbitrary: fc.Arbitrary<T>) =>
  fc.tuple(arbitrary, fc.option(providerOptions, { nil: undefined })).map(([part, options]) => (options === undefined ? part : { ...part, providerOptions: options }));

const sdkToolOutput = fc.oneof(
  fc.record({ type: fc.constant('text'), value: fc.string() }),
  fc.record({ type: fc.constant('json'), value: jsonValue }),
  fc.record({ type: fc.constant('error-text'), value: fc.string() }),
  fc.record({ type: fc.constant('error-json'), value: jsonValue }),
  fc.record({ type: fc.constant('execution-denied'), reason: fc.option(fc.string(), { nil: undefined }) }).map((output) => (output.reason === undefined ? { type: output.type } : output)),
  fc.record({ type: fc.constant('content'), value: fc.array(fc.record({ type: fc.constant('text'), text: fc.string() }), { maxLength: 2 }) }),
);
const sdkToolCall = withOptions(fc.record({ type: fc.constant('tool-call'), toolCallId: id, toolName: id, input: jsonValue }));
const sdkToolResult = withOptions(fc.record({ type: fc.constant('tool-result'), toolCallId: id, toolName: id, output: sdkToolOutput }));
const sdkCustom = fc.record({ type: fc.constant('custom'), kind: fc.constant('openai.compaction'), providerOptions });
const sdkApprovalResponse = fc.record({ type: fc.constant('tool-approval-response'), approvalId: id, approved: fc.boolean() });

/** File data in every form a ModelMessage accepts (ai 7). */
const modelMessageFileData = (mediaType: string) =>
  fc.oneof(
    bytes,
    base64,
    fc.constantFrom(...urls).map((url) => new URL(url)),
    fc.constantFrom(...urls),
    bytes.map((data) => ({ type: 'data', data })),
    base64.map((data) => ({ type: 'data', data })),
    fc.constantFrom(...urls).map((url) => ({ type: 'url', url: new URL(url) })),
    id.map((fileId) => ({ type: 'reference', reference: { openai: fileId } })),
    fc.string().map((text) => ({ type: 'text', text })),
    fc.constant(mediaType).chain(() => id.map((fileId) => ({ anthropic: fileId }))),
  );
const modelMessageFile = withOptions(
  fc.constantFrom(...mediaTypes).chain((mediaType) =>
    fc.record({ type: fc.constant('file'), mediaType: fc.constant(mediaType), data: modelMessageFileData(mediaType), filename: fc.option(fc.string({ minLength: 1 }), { nil: undefined }) }),
  ),
).map((part) => (part.filename === undefined ? (({ filename: _filename, ...rest }) => rest)(part) : part));
const modelMessageImage = withOptions(
  fc.record({ type: fc.constant('image'), image: fc.oneof(bytes, base64, fc.constantFrom(...urls).map((url) => new URL(url))), mediaType: fc.option(fc.constantFrom('image/png', 'image/jpeg'), { nil: undefined }) }),
).map((part) => (part.mediaType === undefined ? (({ mediaType: _mediaType, ...rest }) => rest)(part) : part));

const text = withOptions(fc.record({ type: fc.constant('text'), text: fc.string() }));
const reasoning = withOptions(fc.record({ type: fc.constant('reasoning'), text: fc.string() }));
const messageOptions = <T extends object>(arbitrary: fc.Arbitrary<T>) => withOptions(arbitrary);

/** AI SDK 7 `ModelMessage`s covering every part and data form. */
export const sdkModelMessage = fc.oneof(
  messageOptions(fc.record({ role: fc.constant('system'), content: fc.string() })),
  messageOptions(fc.record({ role: fc.constant('user'), content: fc.oneof(fc.string(), fc.array(fc.oneof(text, modelMessageFile, modelMessageImage), { maxLength: 4 })) })),
  messageOptions(
    fc.record({ role: fc.constant('assistant'), content: fc.oneof(fc.string(), fc.array(fc.oneof(text, reasoning, modelMessageFile, sdkToolCall, sdkToolResult, sdkCustom), { maxLength: 5 })) }),
  ),
  messageOptions(fc.record({ role: fc.constant('tool'), content: fc.array(fc.oneof(sdkToolResult, sdkApprovalResponse), { minLength: 1, maxLength: 3 }) })),
);

const v4FileData = fc.oneof(
  bytes.map((data) => ({ type: 'data', data })),
  base64.map((data) => ({ type: 'data', data })),
  fc.constantFrom(...urls).map((url) => ({ type: 'url', url: new URL(url) })),
  id.map((fileId) => ({ type: 'reference', reference: { openai: fileId } })),
  fc.string().map((text) => ({ type: 'text', text })),
);
const v3FileData = fc.oneof(bytes, base64, fc.constantFrom(...urls).map((url) => new URL(url)));
const promptFile = (data: fc.Arbitrary<unknown>) =>
  withOptions(fc.record({ type: fc.constant('file'), mediaType: fc.constantFrom(...mediaTypes), data, filename: fc.option(fc.string({ minLength: 1 }), { nil: undefined }) })).map((part) =>
    part.filename === undefined ? (({ filename: _filename, ...rest }) => rest)(part) : part,
  );

/** Provider-level prompt messages of spec V4 (`version: 'v4'`) or V3. */
export const sdkPromptMessage = (version: 'v3' | 'v4') => {
  const file = promptFile(version === 'v4' ? v4FileData : v3FileData);
  return fc.oneof(
    messageOptions(fc.record({ role: fc.constant('system'), content: fc.string() })),
    messageOptions(fc.record({ role: fc.constant('user'), content: fc.array(fc.oneof(text, file), { maxLength: 4 }) })),
    messageOptions(fc.record({ role: fc.constant('assistant'), content: fc.array(fc.oneof(text, reasoning, file, sdkToolCall, sdkToolResult), { maxLength: 5 }) })),
    messageOptions(fc.record({ role: fc.constant('tool'), content: fc.array(fc.oneof(sdkToolResult, sdkApprovalResponse), { minLength: 1, maxLength: 3 }) })),
  );
};

/** Makes URL objects and bytes comparable by value (`toEqual` does not look inside a URL). */
export function comparable(value: unknown): unknown {
  if (value instanceof URL) return { __url: value.href };
  if (value instanceof Uint8Array) return { __bytes: bytesToBase64(value) };
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, member]) => [key, comparable(member)]));
  return value;
}
