import { findModelInfo, type BudgetOptions, type CreateConversationInput, type Message, type MessageInput, type Scope, LLMContextError } from '../../src/index.js';
import { middlewareBudget, readInputTokens } from './calibrated-budget.js';
import { resolveCallTarget } from './call-target.js';
import { checkFixedPartsFit } from './check-fixed-parts.js';
import { assistantMessageFromContent, StreamContentCollector, type GeneratedContent } from './generated-content.js';
import { fromLanguageModelPrompt, toLanguageModelPrompt, type LanguageModelPromptMessage, type PromptSpecificationVersion } from './language-model-prompt.js';
import type { AssembledMessage, ContextManagerLike } from './manager-types.js';
import { deriveMessageId, findRecordedPrefix, messageKey } from './prompt-sync.js';
import { contentText } from './sdk-content.js';
import { TokenCalibration, type TokenCalibrationOptions } from './token-calibration.js';
import { toToolDefinitions } from './tool-definitions.js';

export interface ContextMiddlewareOptions {
  /** The `ContextManager` that stores the conversation and assembles the prompt. */
  manager: ContextManagerLike;
  /**
   * The conversation to record and assemble. Per call, `providerOptions.llmContext.conversationId`
   * takes precedence (one middleware-wrapped model then serves every conversation).
   */
  conversationId?: string;
  /** Owner of the conversation; per call, `providerOptions.llmContext.scope` takes precedence. @default defaultScope() */
  scope?: Scope;
  /**
   * The prompt budget. `maxTokens` defaults to the context window of `model` (default: the wrapped
   * model's id) from our model table; `reserveOutput` defaults to the call's `maxOutputTokens`.
   * The learned calibration factor (see `calibration`) replaces `calibrationFactor`.
   */
  budget?: BudgetOptions;
  /** How a conversation is created on its first call (title, tags, ttl …). */
  conversation?: Omit<CreateConversationInput, 'id'>;
  /**
   * When the conversation is not stored (as `ContextManager.append`'s `ifMissing`): by default a
   * conversation that never existed is created, but an expired one makes the call throw
   * `ConversationExpiredError` (code `not_found`, `reason: 'expired'`) rather than recreating it
   * without its TTL; `'create'` starts it again with `conversation`'s settings; `'error'` throws
   * `NotFoundError` for any missing conversation.
   */
  ifMissing?: 'create' | 'error';
  /** Text for recall (search over older turns and memories): by default the last user message's text; `false` turns recall off. */
  query?: false | ((prompt: readonly LanguageModelPromptMessage[]) => string | undefined);
  /**
   * Self-calibrating token counts (see `TokenCalibration`): learn per model the ratio of the
   * provider's reported input tokens to our count and scale budgets by it. `false` turns it off.
   * Models with an exact tokenizer (OpenAI's, `exactTokenizer` in the model table) are never
   * calibrated. The samples are kept in a reserved tenant, never in the user's.
   * @default true
   */
  calibration?: boolean | Omit<TokenCalibrationOptions, 'store'> | Pick<TokenCalibration, 'factor' | 'observe'>;
  /** Called when a calibration sample could not be stored; the call itself goes on. @default ignore */
  onCalibrationError?: (error: unknown) => void;
  /** Called after every assembly with the report (tokens per section, what was dropped). */
  onAssemble?: (event: { conversationId: string; scope: Scope; report: unknown; calibrationFactor: number }) => void;
}

/** What the middleware needs of the wrapped model. */
export interface ModelIdentity {
  readonly provider: string;
  readonly modelId: string;
}

/** What the middleware reads and writes of the call options (`LanguageModelV3CallOptions` / `V4`). */
export interface CallOptionsLike {
  prompt: readonly object[];
  tools?: readonly object[];
  maxOutputTokens?: number;
  providerOptions?: object;
}

type StreamPartLike = { type: string };

/**
 * The middleware object, for `wrapLanguageModel({ model, middleware })`. Its hooks are generic so
 * it is assignable to the SDK's own `LanguageModelV4Middleware` (ai 7) or `LanguageModelV3Middleware`
 * (ai 6) without importing either.
 */
export interface ContextMiddleware<VERSION extends PromptSpecificationVersion> {
  readonly specificationVersion: VERSION;
  transformParams: <PARAMS extends CallOptionsLike>(options: { type: 'generate' | 'stream'; params: PARAMS; model: ModelIdentity }) => Promise<PARAMS>;
  wrapGenerate: <RESULT extends { content: readonly object[]; usage?: unknown }, PARAMS extends CallOptionsLike>(options: {
    doGenerate: () => PromiseLike<RESULT>;
    doStream: () => PromiseLike<unknown>;
    params: PARAMS;
    model: ModelIdentity;
  }) => Promise<RESULT>;
  wrapStream: <RESULT extends { stream: ReadableStream<PART> }, PART extends StreamPartLike, PARAMS extends CallOptionsLike>(options: {
    doGenerate: () => PromiseLike<unknown>;
    doStream: () => PromiseLike<RESULT>;
    params: PARAMS;
    model: ModelIdentity;
  }) => Promise<RESULT>;
}

/**
 * Language model middleware for AI SDK 7 (`specificationVersion: 'v4'`) that gives a model a
 * managed context:
 * - `transformParams` records the new turns found in the prompt (idempotent: the SDK resends the
 *   history on every step; turns already stored are recognised and skipped, new ones get
 *   deterministic ids) and replaces `params.prompt` with the assembled context: one system
 *   message (the call's instructions + memories + summary + recalled excerpts), then the recent
 *   window with whole tool-call groups, ending with the current turn.
 * - `wrapGenerate` and `wrapStream` record the assistant output (text, reasoning, files, tool
 *   calls). Tool results arrive in the next step's prompt and are recorded then.
 * - Calibrates our token counts against the provider's reported input tokens (see `calibration`).
 *
 * @example
 * ```ts
 * const model = wrapLanguageModel({ model: openai('gpt-4o'), middleware: contextMiddleware({ manager }) });
 * await generateText({ model, prompt: 'Hi', providerOptions: { llmContext: { conversationId: 'chat-1' } } });
 * ```
 * @throws {ValidationError} (from the hooks) when no conversation id is given, or no budget can be derived for an unknown model.
 */
export function contextMiddleware(options: ContextMiddlewareOptions): ContextMiddleware<'v4'> {
  return createContextMiddleware(options, 'v4');
}

/** {@link contextMiddleware} for AI SDK 6 (`specificationVersion: 'v3'`: V3 prompt file data). */
export function contextMiddlewareV3(options: ContextMiddlewareOptions): ContextMiddleware<'v3'> {
  return createContextMiddleware(options, 'v3');
}

/** What `transformParams` hands to `wrapGenerate`/`wrapStream` of the same call. */
interface CallRecord {
  conversationId: string;
  scope: Scope;
  modelKey: string;
  /** Our count of the prompt we sent (the assembly report's total). */
  ourTokens: number;
  /** Id of the newest stored message when the prompt was built: the output's id derives from it. */
  anchor: string;
  /** False for a model with an exact tokenizer: no calibration sample. */
  calibrate: boolean;
}

function createContextMiddleware<VERSION extends PromptSpecificationVersion>(options: ContextMiddlewareOptions, version: VERSION): ContextMiddleware<VERSION> {
  const { manager } = options;
  const calibration = createCalibration(options);
  // Keyed by the transformed params object, which the SDK passes on to wrapGenerate/wrapStream.
  const calls = new WeakMap<object, CallRecord>();

  async function recordOutput(call: CallRecord, content: readonly GeneratedContent[], usage: unknown): Promise<void> {
    const message = assistantMessageFromContent(content);
    if (message !== undefined) {
      const id = await deriveMessageId({ conversationId: call.conversationId, anchor: call.anchor, offset: -1, key: messageKey(message) });
      await manager.append(call.conversationId, [{ ...message, id }], { scope: call.scope });
    }
    const providerTokens = readInputTokens(usage);
    if (calibration !== undefined && call.calibrate && providerTokens !== undefined) {
      try {
        await calibration.observe({ scope: call.scope, modelKey: call.modelKey, providerTokens, ourTokens: call.ourTokens });
      } catch (error) {
        // A lost calibration sample (e.g. persistent write contention on a busy tenant) must not fail the call.
        options.onCalibrationError?.(error);
      }
    }
  }

  return {
    specificationVersion: version,

    async transformParams({ params, model }) {
      const { conversationId, scope, providerOptions } = resolveCallTarget(options, params.providerOptions);
      const prompt = params.prompt as readonly LanguageModelPromptMessage[];
      const system = prompt.flatMap((message) => (message.role === 'system' ? [message.content] : [])).join('\n\n');
      const turns = prompt.filter((message) => message.role !== 'system');
      const converted = fromLanguageModelPrompt(turns);
      // A tool message holding only approval responses has nothing our format can store; it is not recorded.
      const recordable = converted.flatMap((message, index) => (isRecordable(message) ? [{ message, original: turns[index]! }] : []));

      // Read past the prompt's length: a regenerate or retry resends history that ends before the stored tail.
      const stored = await readTail(manager, conversationId, scope, recordable.length + TAIL_SLACK);
      const matched = findRecordedPrefix(
        recordable.map(({ message }) => messageKey(message)),
        stored.map((message) => messageKey(message)),
      );
      const originals = new Map<string, LanguageModelPromptMessage>();
      for (let index = 0; index < matched.length; index++) originals.set(stored[matched.storedStart + index]!.id, recordable[index]!.original);

      let anchor = stored.at(-1)?.id ?? '';
      const fresh = recordable.slice(matched.length);
      // When the whole prompt is already stored but ends before the stored tail (a regenerate), the
      // context must end where the prompt ends, not with the answer being replaced.
      const matchedEnd = matched.storedStart + matched.length;
      const endAt = fresh.length === 0 && matched.length > 0 && matchedEnd < stored.length ? stored[matchedEnd - 1]!.id : undefined;
      const modelKey = `${model.provider}:${model.modelId}`;
      // A model whose tokenizer we have (OpenAI's, per the model table) is counted exactly: nothing to learn.
      const calibrate = calibration !== undefined && findModelInfo(model.modelId)?.exactTokenizer !== true;
      const factor = calibrate ? await calibration.factor({ scope, modelKey }) : 1;
      const budget = middlewareBudget({ ...(options.budget === undefined ? {} : { budget: options.budget }), maxOutputTokens: params.maxOutputTokens, modelId: model.modelId, factor });
      const tools = params.tools === undefined || params.tools.length === 0 ? undefined : toToolDefinitions(params.tools);
      if (fresh.length > 0) {
        // Checked before anything is stored: a turn that cannot fit must not be half-recorded.
        checkFixedPartsFit({ tokenizer: await manager.getTokenizer(), budget, ...(system === '' ? {} : { system }), ...(tools === undefined ? {} : { tools }), turns: fresh.map(({ message }) => message) });
        const inputs: MessageInput[] = [];
        for (const [offset, { message }] of fresh.entries()) {
          inputs.push({ ...message, id: await deriveMessageId({ conversationId, anchor, offset, key: messageKey(message) }) });
        }
        const appended = await manager.append(conversationId, inputs, {
          scope,
          ...(options.conversation === undefined ? {} : { conversation: options.conversation }),
          ...(options.ifMissing === undefined ? {} : { ifMissing: options.ifMissing }),
        });
        appended.messages.forEach((message, index) => originals.set(message.id, fresh[index]!.original));
        anchor = appended.messages.at(-1)?.id ?? anchor;
      } else if (stored.length === 0) {
        return params; // nothing stored and nothing to store: leave the call alone
      }

      const query = resolveQuery(options, prompt);
      const assembled = await manager.assemble(conversationId, {
        scope,
        budget,
        ...(system === '' ? {} : { system }),
        ...(tools === undefined ? {} : { tools }),
        ...(query === undefined ? {} : { query }),
      });
      options.onAssemble?.({ conversationId, scope, report: assembled.report, calibrationFactor: factor });

      const window = endAt === undefined ? assembled.messages : cutAfter(assembled.messages, endAt);
      // Stored messages read above carry metadata.aiSdk (provider options such as reasoning
      // signatures); the assembled messages do not, so rebuild from the stored copy where we have it.
      const storedById = new Map(stored.map((message) => [message.id, message]));
      const transformed = {
        ...params,
        prompt: window.map((message) => toPromptMessage(message, originals, storedById, version)),
        providerOptions,
      };
      if (providerOptions === undefined) delete transformed.providerOptions;
      // A cut window is not what the report counted: no calibration sample from it (0 is ignored).
      const ourTokens = endAt === undefined ? assembled.report.totalTokens : 0;
      calls.set(transformed, { conversationId, scope, modelKey, ourTokens, anchor, calibrate });
      return transformed;
    },

    async wrapGenerate({ doGenerate, params }) {
      const result = await doGenerate();
      const call = calls.get(params);
      if (call !== undefined) await recordOutput(call, result.content as GeneratedContent[], result.usage);
      return result;
    },

    async wrapStream({ doStream, params }) {
      const result = await doStream();
      const call = calls.get(params);
      if (call === undefined) return result;
      const collector = new StreamContentCollector();
      const stream = result.stream.pipeThrough(
        new TransformStream({
          transform(part, controller) {
            collector.add(part as unknown as GeneratedContent);
            controller.enqueue(part);
          },
          // Awaited before the stream closes, so the next step (which starts after close) sees the recorded turn.
          async flush() {
            await recordOutput(call, collector.content(), collector.usage);
          },
        }),
      );
      return { ...result, stream };
    },
  };
}

/** Messages read beyond the prompt's length when matching it against the stored tail. */
const TAIL_SLACK = 32;

/** The window up to and including the message with id `lastId` (all of it when that id is not in the window). */
function cutAfter(messages: readonly AssembledMessage[], lastId: string): readonly AssembledMessage[] {
  const index = messages.findIndex((message) => message.id === lastId);
  return index < 0 ? messages : messages.slice(0, index + 1);
}

function createCalibration(options: ContextMiddlewareOptions): Pick<TokenCalibration, 'factor' | 'observe'> | undefined {
  const setting = options.calibration;
  if (setting === false) return undefined;
  if (setting === true || setting === undefined) return new TokenCalibration({ store: options.manager.store });
  // A ready instance (shared between middlewares, or a custom one) has the two methods; settings do not.
  if ('observe' in setting && typeof setting.observe === 'function') return setting as Pick<TokenCalibration, 'factor' | 'observe'>;
  return new TokenCalibration({ ...(setting as Omit<TokenCalibrationOptions, 'store'>), store: options.manager.store });
}

async function readTail(manager: ContextManagerLike, conversationId: string, scope: Scope, promptLength: number): Promise<Message[]> {
  try {
    const newestFirst = await manager.listMessages(conversationId, { scope, order: 'desc', limit: Math.min(1000, Math.max(1, promptLength)) });
    return [...newestFirst].reverse();
  } catch (error) {
    if (LLMContextError.isInstance(error) && error.code === 'not_found') return [];
    throw error;
  }
}

function isRecordable(message: MessageInput): boolean {
  return !(message.role === 'tool' && Array.isArray(message.content) && message.content.length === 0);
}

function resolveQuery(options: ContextMiddlewareOptions, prompt: readonly LanguageModelPromptMessage[]): string | undefined {
  if (options.query === false) return undefined;
  if (options.query !== undefined) return options.query(prompt);
  const lastUser = [...prompt].reverse().find((message) => message.role === 'user');
  if (lastUser === undefined) return undefined;
  const text = contentText(fromLanguageModelPrompt([lastUser])[0]!.content).trim();
  return text === '' ? undefined : text;
}

/** The prompt's own message where the SDK sent it, else the stored copy (with its metadata), else the assembled message. */
function toPromptMessage(
  message: AssembledMessage,
  originals: ReadonlyMap<string, LanguageModelPromptMessage>,
  storedById: ReadonlyMap<string, Message>,
  version: PromptSpecificationVersion,
): LanguageModelPromptMessage {
  const original = message.id === undefined ? undefined : originals.get(message.id);
  if (original !== undefined) return original;
  const stored = message.id === undefined ? undefined : storedById.get(message.id);
  return toLanguageModelPrompt([stored ?? message], { specificationVersion: version })[0]!;
}

