import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/errors.js';
import { parseChatRequest } from './parse-chat-request.js';
import { prepareSendLastMessage } from './prepare-send-last-message.js';

function request(body: unknown): Request {
  return new Request('http://localhost/api/chat', { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

async function fieldOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (ValidationError.isInstance(error)) return error.field;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('parseChatRequest', () => {
  const message = { id: 'u1', role: 'user' as const, parts: [{ type: 'text' as const, text: 'Hello' }] };

  it('should accept the body prepareSendLastMessage produces', async () => {
    const { body } = prepareSendLastMessage({ id: 'chat-1', messages: [{ id: 'u0', role: 'user', parts: [] }, message] });
    await expect(parseChatRequest({ request: request(body) })).resolves.toEqual({ conversationId: 'chat-1', message, trigger: 'submit-message' });
    const regenerate = prepareSendLastMessage({ id: 'chat-1', messages: [message], trigger: 'regenerate-message', messageId: 'a1' }).body;
    await expect(parseChatRequest({ request: request(regenerate) })).resolves.toEqual({ conversationId: 'chat-1', message, trigger: 'regenerate-message', messageId: 'a1' });
  });

  it('should reject malformed requests, naming the field', async () => {
    expect(await fieldOf(parseChatRequest({ request: request('{not json') }))).toBe('body');
    expect(await fieldOf(parseChatRequest({ request: request([1]) }))).toBe('body');
    expect(await fieldOf(parseChatRequest({ request: request({ message }) }))).toBe('conversationId');
    expect(await fieldOf(parseChatRequest({ request: request({ id: 'c', message: 'hi' }) }))).toBe('message');
    expect(await fieldOf(parseChatRequest({ request: request({ id: 'c', message: { id: 'x', role: 'user', parts: [{ type: 'bogus' }] } }) }))).toBe('message');
    expect(await fieldOf(parseChatRequest({ request: request({ id: 'c', message: { ...message, role: 'assistant' } }) }))).toBe('message.role');
    expect(await fieldOf(parseChatRequest({ request: request({ id: 'c', message: { ...message, id: '' } }) }))).toMatch(/^message/);
    expect(await fieldOf(parseChatRequest({ request: request({ id: 'c', message }), maxBodyBytes: 10 }))).toBe('body');
  });

  it('should never echo the message content in an error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 8, maxLength: 30 }).filter((text) => text.trim().length >= 8), async (secret) => {
        const bodies = [
          { id: 'c', message: { id: 'x', role: 'assistant', parts: [{ type: 'text', text: secret }] } },
          { id: 'c', message: { id: 'x', role: 'user', parts: [{ type: 'text', text: secret, state: secret }] } },
          { id: 'c', message: { id: 'x', role: 'user', parts: [{ type: secret }] } },
        ];
        for (const body of bodies) {
          const error = await parseChatRequest({ request: request(body) }).then(() => undefined, (caught: unknown) => caught);
          expect(ValidationError.isInstance(error)).toBe(true);
          expect((error as Error).message).not.toContain(secret);
        }
      }),
      { numRuns: 30 },
    );
  });
});
