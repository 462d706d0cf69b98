import { describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import type { MessageInput, Scope } from '../../src/types.js';
import { SDKS } from '../../test/support/ai-sdk-mock-models.js';
import { CALIBRATION_TENANT_ID } from './token-calibration.js';

const scope: Scope = { tenantId: 'acme' };

/**
 * A provider whose tokenizer is not ours: about one token per 3.2 characters of each message's
 * content plus 4 framing tokens (o200k_base gives roughly one per 4–5 characters of English).
 */
function providerTokens(prompt: unknown[]): number {
  let total = 0;
  for (const message of prompt as Array<{ content: unknown }>) {
    const text = typeof message.content === 'string' ? message.content : JSON.stringify(message.content);
    total += 4 + Math.ceil(text.length / 3.2);
  }
  return total;
}

function history(turns: number): MessageInput[] {
  const messages: MessageInput[] = [];
  for (let turn = 0; turn < turns; turn++) {
    messages.push({ role: 'user', content: `Question ${turn}: how should I plan the garden beds along the south fence this season?` });
    messages.push({ role: 'assistant', content: `Answer ${turn}: start with compost, keep paths narrow, and rotate the tomatoes away from last year's bed.` });
  }
  return messages;
}

const sdk = SDKS[0]!;
const BUDGET = { maxTokens: 1500, reserveOutput: 200 };
const INPUT_BUDGET = BUDGET.maxTokens - BUDGET.reserveOutput;

async function run(calibration: boolean): Promise<{ counts: number[]; factor: number }> {
  // Summaries off: this measures calibration of the trimmed window alone.
  const manager = new ContextManager({ store: createMemoryStore(), summary: false });
  await manager.append('garden', history(80), { scope });
  const mock = sdk.mockModel([{ text: 'Noted.', inputTokens: providerTokens }], 'claude-like-model');
  let factor = 1;
  const model = sdk.wrap(mock.model, {
    manager,
    scope,
    conversationId: 'garden',
    budget: BUDGET,
    calibration,
    onAssemble: (event) => {
      factor = event.calibrationFactor;
    },
  });
  for (let call = 0; call < 12; call++) await sdk.generateText({ model, prompt: `Follow-up ${call}: and the herbs?` });
  return { counts: mock.generatePrompts().map(providerTokens), factor };
}

describe('self-calibrating token counts', () => {
  it('should bring the provider-reported prompt size to the budget within a few calls', async () => {
    const calibrated = await run(true);
    // Our count underestimates this provider by ~1.7×: the first, uncalibrated call overshoots.
    expect(calibrated.counts[0]!).toBeGreaterThan(1.5 * INPUT_BUDGET);
    // From then on the provider's own count lands on the budget: an estimate, so within 3% of it,
    // and the budget is used, not wasted.
    for (const count of calibrated.counts.slice(1)) {
      expect(count).toBeLessThanOrEqual(1.03 * INPUT_BUDGET);
      expect(count).toBeGreaterThan(0.85 * INPUT_BUDGET);
    }
    expect(calibrated.factor).toBeGreaterThan(1.5);
    expect(calibrated.factor).toBeLessThanOrEqual(2);
  });

  it('should keep overshooting without calibration (the control)', async () => {
    const uncalibrated = await run(false);
    for (const count of uncalibrated.counts) expect(count).toBeGreaterThan(1.5 * INPUT_BUDGET);
    expect(uncalibrated.factor).toBe(1);
  });

  it('should keep calibration out of the user\'s listings and never calibrate a model with an exact tokenizer', async () => {
    for (const [modelId, calibrates] of [['claude-like-model', true], ['gpt-4o-mini', false]] as const) {
      const store = createMemoryStore();
      const manager = new ContextManager({ store });
      const mock = sdk.mockModel([{ text: 'Noted.', inputTokens: () => 1700 }], modelId);
      const factors: number[] = [];
      const model = sdk.wrap(mock.model, { manager, scope, conversationId: 'chat', budget: BUDGET, onAssemble: (event) => factors.push(event.calibrationFactor) });
      for (let call = 0; call < 3; call++) await sdk.generateText({ model, prompt: `Question ${call}` });
      expect((await manager.listConversations({ scope, limit: 10 })).items.map((conversation) => conversation.id)).toEqual(['chat']);
      expect((await manager.listConversations({ scope: { tenantId: scope.tenantId }, limit: 10 })).items.map((conversation) => conversation.id)).toEqual(['chat']);
      const reserved = (await store.listConversations({ tenantId: CALIBRATION_TENANT_ID }, { limit: 10 })).items;
      if (calibrates) {
        expect(reserved).toHaveLength(1);
        expect(factors.at(-1)).toBeGreaterThan(1);
      } else {
        expect(reserved).toEqual([]);
        expect(factors).toEqual([1, 1, 1]);
      }
    }
  });
});
