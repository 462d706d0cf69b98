import { describe, expect, it } from 'vitest';
import { main } from './store.js';

describe('examples/langgraph-store', () => {
  it('should save the profile in one thread and read it in another, as a memory of the user', async () => {
    const { replies, items, memories } = await main();
    expect(replies).toEqual(['Saved: you live in Lyon.', 'You live in Lyon.']);
    expect(items).toMatchObject([{ namespace: ['profile'], key: 'home', value: { city: 'Lyon' } }]);
    expect(memories).toMatchObject([{ text: 'Lyon', tags: expect.arrayContaining(['langgraph']) }]);
  });
});
