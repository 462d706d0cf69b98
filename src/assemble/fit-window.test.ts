import { describe, expect, it } from 'vitest';
import { prepareMessages } from '../messages/prepare.js';
import { createMemoryStore } from '../stores/memory/memory-store.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import type { MessageInput, Scope } from '../types.js';
import { findCurrentTurn } from './current-turn.js';
import { fitWindow, MAX_TAIL_READS, provisionalWindow } from './fit-window.js';
import { createMessageCounter } from './message-counter.js';
import { readHistory } from './read-history.js';
import { groupIntoUnits } from './tool-groups.js';

const tokenizer = await getTokenizer({ encoding: 'o200k_base' });
const scope: Scope = { tenantId: 't', userId: 'u' };

async function setup(inputs: MessageInput[], firstReadTokens: number) {
  const store = createMemoryStore();
  await store.createConversation(scope, { id: 'c' });
  await store.appendMessages(scope, 'c', await prepareMessages(inputs, { tokenizer }), {});
  const target = { store, scope, conversationId: 'c', encoding: 'o200k_base' };
  const read = await readHistory(target, { maxTokens: firstReadTokens });
  const counter = createMessageCounter(tokenizer);
  const units = groupIntoUnits(read.messages, counter.countChecked);
  return { target, read, units, counter, current: findCurrentTurn(units) };
}

const chat = (count: number): MessageInput[] => Array.from({ length: count }, (_, index) => ({ role: index % 2 === 0 ? 'user' : 'assistant', content: `turn ${index + 1}` }));

describe('provisionalWindow', () => {
  it('should report whether the whole history fits and where the smallest window starts', async () => {
    const small = await setup(chat(5), 10_000);
    expect(provisionalWindow({ ...small, budget: 10_000 })).toEqual({ windowStartSeq: 1, wholeHistoryFits: true });
    const perTurn = small.units[0]!.tokens;
    const tight = provisionalWindow({ ...small, budget: perTurn * 2 });
    expect(tight.wholeHistoryFits).toBe(false);
    expect(tight.windowStartSeq).toBe(3);
  });
});

describe('fitWindow', () => {
  it('should read further back while every unit read fits, and count each read', async () => {
    const state = await setup(chat(21), 30);
    expect(state.read.reachedStart).toBe(false);
    const fit = await fitWindow({ ...state, budget: 10_000, summaryFloor: 0 });
    expect(fit.read.reachedStart).toBe(true);
    expect(fit.read.reads.roundTrips).toBeGreaterThan(2);
    expect(fit.read.reads.roundTrips).toBeLessThanOrEqual(2 + MAX_TAIL_READS);
    expect(fit.window.units.map((unit) => unit.messages[0]!.seq)).toEqual(Array.from({ length: 20 }, (_, index) => index + 1));
  });

  it('should never reach back over turns the summary covers', async () => {
    const state = await setup(chat(21), 10_000);
    const fit = await fitWindow({ ...state, budget: 10_000, summaryFloor: 12 });
    expect(fit.window.units[0]!.messages[0]!.seq).toBe(13);
    expect(fit.read.reads.roundTrips).toBe(2);
  });

  it('should keep a tool-call group whole or not at all', async () => {
    const inputs: MessageInput[] = [
      { role: 'user', content: 'where is my order?' },
      { role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'lookup', input: { id: 7 } }] },
      { role: 'tool', content: [{ type: 'tool-result', toolCallId: 'call-1', toolName: 'lookup', output: 'shipped yesterday, arriving Monday' }] },
      { role: 'assistant', content: 'It ships Monday.' },
      { role: 'user', content: 'thanks' },
    ];
    const state = await setup(inputs, 10_000);
    const [question, group, answer] = state.units.map((unit) => unit.tokens);
    expect(state.units[1]!.messages).toHaveLength(2);
    const roles = (fit: Awaited<ReturnType<typeof fitWindow>>) => fit.window.units.flatMap((unit) => unit.messages.map((message) => message.role));
    const whole = await fitWindow({ ...state, budget: question! + group! + answer!, summaryFloor: 0 });
    expect(roles(whole)).toEqual(['user', 'assistant', 'tool', 'assistant']);
    const cut = await fitWindow({ ...state, budget: question! + group! + answer! - 1, summaryFloor: 0 });
    expect(roles(cut)).not.toContain('tool');
    expect(cut.window.units.some((unit) => unit.messages.length === 1 && unit.messages[0]!.seq === 2)).toBe(false);
  });
});
