import { describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { defaultScope } from '../../src/types.js';
import { loadUIMessages } from './load-ui-messages.js';

const scope = defaultScope();

describe('loadUIMessages', () => {
  it('should return no messages for a chat that does not exist yet', async () => {
    await expect(loadUIMessages({ manager: new ContextManager(), conversationId: 'new-chat', scope })).resolves.toEqual([]);
  });

  it('should read a conversation longer than one page, in order', async () => {
    const manager = new ContextManager();
    const turns = Array.from({ length: 1203 }, (_, index) => ({ id: `m${index}`, role: index % 2 === 0 ? ('user' as const) : ('assistant' as const), content: `turn ${index}` }));
    for (let start = 0; start < turns.length; start += 500) await manager.append('long', turns.slice(start, start + 500), { scope });
    const loaded = await loadUIMessages({ manager, conversationId: 'long', scope });
    expect(loaded.map((message) => message.id)).toEqual(turns.map((turn) => turn.id));
  });

  it('should start a limited window after any tool messages whose call was cut off', async () => {
    const manager = new ContextManager();
    await manager.append(
      'tools',
      [
        { id: 'u1', role: 'user', content: 'Weather?' },
        { id: 'a1', role: 'assistant', content: [{ type: 'tool-call', toolCallId: 'c1', toolName: 'weather', input: { city: 'Paris' } }] },
        { id: 't1', role: 'tool', content: [{ type: 'tool-result', toolCallId: 'c1', toolName: 'weather', output: { tempC: 20 } }] },
        { id: 'a2', role: 'assistant', content: 'It is 20°C.' },
      ],
      { scope },
    );
    const loaded = await loadUIMessages({ manager, conversationId: 'tools', scope, limit: 2 });
    expect(loaded).toEqual([{ id: 'a2', role: 'assistant', parts: [{ type: 'step-start' }, { type: 'text', text: 'It is 20°C.' }] }]);
    const all = await loadUIMessages({ manager, conversationId: 'tools', scope });
    expect(all[1]).toEqual({
      id: 'a1',
      role: 'assistant',
      parts: [
        { type: 'step-start' },
        { type: 'tool-weather', toolCallId: 'c1', state: 'output-available', input: { city: 'Paris' }, output: { tempC: 20 } },
        { type: 'step-start' },
        { type: 'text', text: 'It is 20°C.' },
      ],
    });
  });
});
