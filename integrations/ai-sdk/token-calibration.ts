import { isJsonObject } from './json-value.js';
import { LLMContextError, sha256Hex, type Store, type JsonObject, type Scope } from '../../src/index.js';

/**
 * Self-calibrating token counts. We count with OpenAI's encodings; other vendors (Anthropic,
 * Google, Mistral…) tokenize differently and frame tools and messages their own way, so our count
 * of a prompt is off by a model-specific ratio. After each call we compare the provider's reported
 * `usage.inputTokens` with our count of the same prompt and keep, per tenant and model, a correction
 * factor `providerTokens / ourTokens`; budgets are then divided by it, so they converge on the
 * provider's real counts.
 *
 * The idea: the AI SDK ships no tokenizer and no count-tokens API (vercel/ai issue #19376 "Add
 * provider-aware input token counting"); its own docs point to `onLanguageModelCallEnd.usage` as
 * the ground truth. The average: the plain mean of the first `1/alpha` samples, then an exponential
 * moving average with weight `alpha` (default 0.2, so about the last 10 calls matter), which follows
 * a changed system prompt or tool set. The ratio varies from prompt to prompt (a tool-heavy window
 * tokenizes differently from chat), so budgets use `factor + deviation` (the mean absolute deviation,
 * averaged the same way): one typical deviation of headroom, so a budget is met, not just met on average. Bounds (default 0.5–2.0) clamp every sample and the factor:
 * text tokenizers of the major vendors differ by well under 2× for the same text, and a prompt
 * dominated by images (which we estimate at a flat 85 tokens) must not swing the budget wildly.
 *
 * Persistence without extending the Store spec and outside user data: the `state` of one
 * conversation per user tenant, kept in the reserved tenant {@link CALIBRATION_TENANT_ID} (so it
 * never shows in a user's listings, searches, exports or erasure), id
 * {@link calibrationConversationId}, tag `llm-context:internal`. Updated with
 * `updateState(..., { expectedVersion })` and retried on conflict, so concurrent servers merge.
 */
export const CALIBRATION_TENANT_ID = 'llm-context:calibration';
export const CALIBRATION_TAG = 'llm-context:internal';

/**
 * The id of the conversation, in {@link CALIBRATION_TENANT_ID}, that holds a tenant's calibration:
 * `tenant:<tenantId>`, or `tenant-sha256:<hex>` for a tenant id too long to embed (ids are ≤ 256 chars).
 */
export async function calibrationConversationId(tenantId: string): Promise<string> {
  return tenantId.length <= 240 ? `tenant:${tenantId}` : `tenant-sha256:${await sha256Hex(tenantId)}`;
}

export interface TokenCalibrationOptions {
  store: Store;
  /** Lowest factor (and sample) accepted. @default 0.5 */
  min?: number;
  /** Highest factor (and sample) accepted. @default 2.0 */
  max?: number;
  /** Weight of a new sample once `1/alpha` samples are in. @default 0.2 */
  alpha?: number;
  /** How long a factor read from the store is reused before it is read again, in ms. @default 60000 */
  refreshMs?: number;
  clock?: { now(): number };
}

/** One model's calibration as stored. */
export interface ModelCalibration {
  /** `providerTokens / ourTokens`, within the bounds. */
  factor: number;
  /** Mean absolute deviation of the samples from `factor` (same averaging): how much one prompt's ratio varies. */
  deviation: number;
  samples: number;
  /** Epoch ms of the last sample. */
  updatedAt: number;
}

const MAX_CONFLICT_RETRIES = 8;

export class TokenCalibration {
  readonly min: number;
  readonly max: number;
  readonly alpha: number;
  private readonly store: Store;
  private readonly refreshMs: number;
  private readonly clock: { now(): number };
  private readonly cache = new Map<string, { calibration: ModelCalibration | undefined; readAt: number }>();
  /** Tenants whose calibration conversation this instance has created or seen: one create round trip per tenant, not per call. */
  private readonly knownTenants = new Set<string>();

  constructor(options: TokenCalibrationOptions) {
    this.store = options.store;
    this.min = options.min ?? 0.5;
    this.max = options.max ?? 2.0;
    this.alpha = options.alpha ?? 0.2;
    this.refreshMs = options.refreshMs ?? 60_000;
    this.clock = options.clock ?? Date;
    if (!(this.min > 0 && this.min <= 1 && this.max >= 1 && this.alpha > 0 && this.alpha <= 1)) {
      throw new LLMContextError({ code: 'invalid_input', message: 'calibration: need 0 < min ≤ 1 ≤ max and 0 < alpha ≤ 1.' });
    }
  }

  /**
   * The factor to divide a budget by for a model in the tenant of `scope`: `factor + deviation`,
   * within the bounds (1 before any sample). Reads the store at most once per `refreshMs`.
   */
  async factor(options: { scope: Scope; modelKey: string }): Promise<number> {
    const calibration = await this.read(options);
    return calibration === undefined ? 1 : this.clamp(calibration.factor + calibration.deviation);
  }

  /** The stored calibration of a model, or undefined before any sample. Cached like {@link factor}. */
  async read(options: { scope: Scope; modelKey: string }): Promise<ModelCalibration | undefined> {
    const cacheKey = this.cacheKey(options.scope, options.modelKey);
    const cached = this.cache.get(cacheKey);
    if (cached !== undefined && this.clock.now() - cached.readAt < this.refreshMs) return cached.calibration;
    const conversation = await this.store.getConversation(CALIBRATION_SCOPE, await calibrationConversationId(options.scope.tenantId));
    const calibration = readModel(conversation?.state, options.modelKey);
    this.cache.set(cacheKey, { calibration, readAt: this.clock.now() });
    return calibration;
  }

  /**
   * Records one call: the provider's input tokens against our count of the same prompt.
   * Ignores samples without a positive count on either side.
   * @returns the updated calibration, or undefined when the sample was ignored.
   */
  async observe(options: { scope: Scope; modelKey: string; providerTokens: number; ourTokens: number }): Promise<ModelCalibration | undefined> {
    const { providerTokens, ourTokens } = options;
    if (!(Number.isFinite(providerTokens) && Number.isFinite(ourTokens) && providerTokens > 0 && ourTokens > 0)) return undefined;
    const sample = this.clamp(providerTokens / ourTokens);
    const tenantId = options.scope.tenantId;
    const scope = CALIBRATION_SCOPE;
    const conversationId = await calibrationConversationId(tenantId);
    for (let attempt = 0; ; attempt++) {
      let conversation = this.knownTenants.has(tenantId) ? await this.store.getConversation(scope, conversationId) : null;
      if (conversation === null) {
        conversation = await this.store.createConversation(scope, { id: conversationId, title: 'llm-context token calibration', tags: [CALIBRATION_TAG] }, { ifExists: 'return' });
        this.knownTenants.add(tenantId);
      }
      const previous = readModel(conversation.state, options.modelKey);
      const next = this.update(previous, sample);
      const models = isJsonObject(conversation.state.models) ? conversation.state.models : {};
      const state: JsonObject = { ...conversation.state, version: 1, models: { ...models, [options.modelKey]: { ...next } } };
      try {
        await this.store.updateState(scope, conversationId, state, { expectedVersion: conversation.stateVersion });
        this.cache.set(this.cacheKey(options.scope, options.modelKey), { calibration: next, readAt: this.clock.now() });
        return next;
      } catch (error) {
        // isInstance, not instanceof: the error may come from a second installed copy of this package.
        if (!(LLMContextError.isInstance(error) && (error.code === 'state_conflict' || error.code === 'not_found')) || attempt >= MAX_CONFLICT_RETRIES) throw error;
        // Deleted meanwhile (e.g. by a tenant cleanup): create it again on the next attempt.
        if (error.code === 'not_found') this.knownTenants.delete(tenantId);
      }
    }
  }

  /** Mean of the first samples, then an EMA; clamped to the bounds. */
  update(previous: ModelCalibration | undefined, sample: number): ModelCalibration {
    const samples = (previous?.samples ?? 0) + 1;
    const weight = Math.max(this.alpha, 1 / samples);
    if (previous === undefined) return { factor: sample, deviation: 0, samples, updatedAt: this.clock.now() };
    const factor = previous.factor + weight * (sample - previous.factor);
    const deviation = previous.deviation + weight * (Math.abs(sample - previous.factor) - previous.deviation);
    return { factor: this.clamp(factor), deviation, samples, updatedAt: this.clock.now() };
  }

  private clamp(value: number): number {
    return Math.min(this.max, Math.max(this.min, value));
  }

  private cacheKey(scope: Scope, modelKey: string): string {
    return `${scope.tenantId}\u0000${modelKey}`;
  }
}

const CALIBRATION_SCOPE: Scope = { tenantId: CALIBRATION_TENANT_ID };

function readModel(state: JsonObject | undefined, modelKey: string): ModelCalibration | undefined {
  const models = state?.models;
  if (!isJsonObject(models)) return undefined;
  const entry = models[modelKey];
  if (!isJsonObject(entry) || typeof entry.factor !== 'number' || typeof entry.samples !== 'number') return undefined;
  return {
    factor: entry.factor,
    deviation: typeof entry.deviation === 'number' ? entry.deviation : 0,
    samples: entry.samples,
    updatedAt: typeof entry.updatedAt === 'number' ? entry.updatedAt : 0,
  };
}
