import type { AgentInputItem } from '@openai/agents-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ContextManager, type Scope } from '../../src/index.js';
import { itemFingerprint } from './items.js';
import { LLMContextSession } from './session.js';

const scope: Scope = { tenantId: 'prop', userId: 'u' };

/** One model step of a turn: optional reasoning, parallel calls (each answered now, later, or never), optional text. */
const stepArbitrary = fc.record({
  reasoning: fc.boolean(),
  calls: fc.array(fc.constantFrom('now', 'later', 'never'), { maxLength: 3 }),
  text: fc.option(fc.integer({ min: 1, max: 60 }), { nil: undefined }),
});

const turnArbitrary = fc.record({
  words: fc.integer({ min: 1, max: 40 }),
  steps: fc.array(stepArbitrary, { maxLength: 3 }),
  /** Re-send a batch of this turn afterwards: none, the last batch whole (a retried write), or a resumed run re-sending everything of the turn. */
  retry: fc.constantFrom('none', 'none', 'last', 'turn'),
});

type Turn = { words: number; steps: ReadonlyArray<{ reasoning: boolean; calls: readonly string[]; text?: number | undefined }>; retry: string };

const words = (count: number, seed: string) => Array.from({ length: count }, (_, index) => `${seed}${index % 7}`).join(' ');

/** Writes a scripted history through `addItems` the way the runner does, with interruptions and retries; returns the distinct items in order. */
async function drive(session: LLMContextSession, turns: ReadonlyArray<Turn>) {
  const distinct: AgentInputItem[] = [];
  const seen = new Set<string>();
  let pendingLater: AgentInputItem[] = [];
  let n = 0;
  const write = async (batch: AgentInputItem[]) => {
    if (batch.length === 0) return;
    await session.addItems(structuredClone(batch));
    for (const item of batch) {
      const fingerprint = itemFingerprint(item);
      if (!seen.has(fingerprint)) {
        seen.add(fingerprint);
        distinct.push(item);
      }
    }
  };
  for (const [turnIndex, turn] of turns.entries()) {
    const turnBatches: AgentInputItem[][] = [];
    // Results of calls interrupted in the previous turn arrive when the run resumes, before anything new.
    if (pendingLater.length > 0 && turnIndex % 2 === 0) {
      turnBatches.push(pendingLater);
      pendingLater = [];
    }
    turnBatches.push([{ role: 'user', content: `turn ${turnIndex}: ${words(turn.words, 'q')}` }]);
    for (const step of turn.steps) {
      const output: AgentInputItem[] = [];
      const results: AgentInputItem[] = [];
      const id = n++;
      if (step.reasoning) output.push({ type: 'reasoning', id: `rs_${id}`, content: [{ type: 'input_text', text: words(5, 'why') }] });
      step.calls.forEach((fate: string, index: number) => {
        const callId = `call_${id}_${index}`;
        output.push({ type: 'function_call', id: `fc_${id}_${index}`, callId, name: 'lookup', arguments: JSON.stringify({ q: index }), status: 'completed' });
        const result: AgentInputItem = { type: 'function_call_result', callId, name: 'lookup', status: 'completed', output: { type: 'text', text: words(index * 9 + 3, 'r') } };
        if (fate === 'now') results.push(result);
        if (fate === 'later') pendingLater.push(result);
      });
      if (step.text !== undefined) output.push({ type: 'message', id: `msg_${id}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: words(step.text, 'a') }] });
      turnBatches.push(output, results);
    }
    for (const batch of turnBatches) await write(batch);
    if (turn.retry === 'last') await write(turnBatches.filter((batch) => batch.length > 0).at(-1) ?? []);
    if (turn.retry === 'turn') await write(turnBatches.flat().filter((item) => 'id' in item || 'callId' in item));
  }
  return distinct;
}

function windowProblems(items: readonly AgentInputItem[]): string[] {
  const problems: string[] = [];
  const open = new Set<string>();
  const answered = new Set<string>();
  const seen = new Set<string>();
  for (const item of items as unknown as Array<Record<string, unknown>>) {
    const fingerprint = itemFingerprint(item as AgentInputItem);
    if (seen.has(fingerprint)) problems.push('duplicate item');
    seen.add(fingerprint);
    if (item.type === 'function_call') open.add(item.callId as string);
    if (item.type === 'function_call_result') {
      if (!open.has(item.callId as string) || answered.has(item.callId as string)) problems.push(`orphan result ${String(item.callId)}`);
      answered.add(item.callId as string);
    }
  }
  for (const callId of open) if (!answered.has(callId)) problems.push(`unanswered call ${callId}`);
  return problems;
}

describe('LLMContextSession (property)', () => {
  it('should never return an orphan result, an unanswered call, a duplicate or more than the budget, whatever the writes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(turnArbitrary, { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 20, max: 1500 }),
        fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }),
        async (turns, maxTokens, limit) => {
          const manager = new ContextManager();
          const session = new LLMContextSession({ manager, sessionId: 'prop', scope, budget: { maxTokens } });
          const distinct = await drive(session, turns);

          // Nothing stored twice: the store holds each distinct item exactly once, in first-write order.
          const stored = await manager.listMessages('prop', { scope, limit: 1000 });
          const storedItems = stored.map((message) => message.metadata.openaiAgentsItem as unknown as AgentInputItem);
          expect(storedItems.map(itemFingerprint)).toEqual(distinct.map(itemFingerprint));

          const tokens = new Map(stored.map((message) => [itemFingerprint(message.metadata.openaiAgentsItem as unknown as AgentInputItem), message.tokenCounts.o200k_base!]));
          const order = new Map(storedItems.map((item, index) => [itemFingerprint(item), index]));
          for (const window of [await session.getItems(), await session.getItems(limit)]) {
            expect(windowProblems(window)).toEqual([]);
            const costs = window.map((item) => tokens.get(itemFingerprint(item)));
            expect(costs.every((cost) => cost !== undefined && cost <= maxTokens)).toBe(true);
            expect(costs.reduce((sum: number, cost) => sum + cost!, 0)).toBeLessThanOrEqual(maxTokens);
            // In stored order.
            const positions = window.map((item) => order.get(itemFingerprint(item))!);
            expect(positions).toEqual([...positions].sort((a, b) => a - b));
          }
          if (limit !== undefined) expect((await session.getItems(limit)).length).toBeLessThanOrEqual(limit);
          // The newest item, an assistant reply after a user turn, a call or a result (its own unit), is always sent when it fits.
          const last = storedItems.at(-1) as Record<string, unknown> | undefined;
          if (last?.type === 'message' && last.role === 'assistant' && tokens.get(itemFingerprint(last as AgentInputItem))! <= maxTokens) {
            const window = await session.getItems();
            const previous = storedItems.at(-2) as Record<string, unknown> | undefined;
            if (previous?.type === 'function_call_result' || previous?.type === 'function_call' || (previous as { role?: string })?.role === 'user') expect(window.at(-1)).toEqual(last);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
