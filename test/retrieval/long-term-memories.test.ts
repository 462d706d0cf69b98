import { describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';

// The README's "Long-term memories" example, line for line (test/readme.test.ts checks it).
describe('README: long-term memories (shared, with history)', () => {
  it('should share tenant memories with users and keep the superseded text', async () => {
    const manager = new ContextManager();
    const acme = { tenantId: 'acme' };
    const alice = { tenantId: 'acme', userId: 'alice' };
    await manager.memories.put({ text: 'Support hours are 9:00-17:00 CET', pinned: true }, { scope: acme });
    const city = await manager.memories.put({ key: 'home.city', text: 'Lives in Porto' }, { scope: alice });
    await manager.memories.put({ key: 'home.city', text: 'Lives in Lisbon' }, { scope: alice });
    const { items } = await manager.memories.list({ scope: alice }); // Lisbon, and the support hours (shared: true)
    const versions = await manager.memories.history(city.id, { scope: alice }); // Lisbon, then Porto with validTo
    const hits = await manager.memories.search('where does she live', { scope: alice });

    expect(items.map((memory) => [memory.text, memory.shared])).toEqual([
      ['Lives in Lisbon', false],
      ['Support hours are 9:00-17:00 CET', true],
    ]);
    expect(versions.map((version) => [version.text, version.validTo !== undefined])).toEqual([
      ['Lives in Lisbon', false],
      ['Lives in Porto', true],
    ]);
    expect(hits.map((hit) => hit.memory.text)).toEqual(['Lives in Lisbon']);
    // Another user reads the shared memory, never Alice's; the tenant scope reads only its own.
    const bob = { tenantId: 'acme', userId: 'bob' };
    expect((await manager.memories.list({ scope: bob })).items.map((memory) => memory.text)).toEqual(['Support hours are 9:00-17:00 CET']);
    expect((await manager.memories.list({ scope: acme })).items.map((memory) => memory.text)).toEqual(['Support hours are 9:00-17:00 CET']);
    await expect(manager.memories.update(items[1]!.id, { scope: alice, text: 'Open all night' })).rejects.toMatchObject({ code: 'not_found' });
  });
});
