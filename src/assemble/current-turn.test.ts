import { describe, expect, it } from 'vitest';
import { storedMessages } from '../../test/support/stored-messages.js';
import { getTokenizer } from '../tokens/get-tokenizer.js';
import { findCurrentTurn, olderUnits } from './current-turn.js';
import { createMessageCounter } from './message-counter.js';
import { groupIntoUnits } from './tool-groups.js';

const tokenizer = await getTokenizer({ encoding: 'o200k_base' });

describe('findCurrentTurn / olderUnits', () => {
  it('should take a trailing user message as the current turn and leave the rest as older units', async () => {
    const messages = await storedMessages([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }, { role: 'user', content: 'c' }], { tokenizer });
    const units = groupIntoUnits(messages, createMessageCounter(tokenizer).tokensOf);
    const current = findCurrentTurn(units);
    expect(current?.messages.map((message) => message.seq)).toEqual([3]);
    expect(olderUnits(units, current).map((unit) => unit.messages[0]!.seq)).toEqual([1, 2]);
  });

  it('should find no current turn when the conversation ends on the assistant or on an orphan', async () => {
    const messages = await storedMessages([{ role: 'user', content: 'a' }, { role: 'assistant', content: 'b' }], { tokenizer });
    const units = groupIntoUnits(messages, createMessageCounter(tokenizer).tokensOf);
    expect(findCurrentTurn(units)).toBeUndefined();
    expect(olderUnits(units, undefined)).toHaveLength(2);
    expect(findCurrentTurn([])).toBeUndefined();
  });
});

describe('createMessageCounter', () => {
  it('should use stored counts and tally the messages counted on read', async () => {
    const [stored, uncounted] = await storedMessages([{ role: 'user', content: 'hello there' }, { role: 'user', content: 'hello there' }], { tokenizer });
    const counter = createMessageCounter(tokenizer);
    const bare = { ...uncounted!, tokenCounts: {} };
    expect(counter.countChecked(stored!)).toBe(stored!.tokenCounts.o200k_base);
    expect(counter.recounted).toBe(0);
    expect(counter.countChecked(bare)).toBe(stored!.tokenCounts.o200k_base);
    expect(counter.tokensOf(bare)).toBe(stored!.tokenCounts.o200k_base);
    expect(counter.recounted).toBe(1);
  });
});
