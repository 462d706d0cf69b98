'use client';

import { DefaultChatTransport, generateId, readUIMessageStream, type UIMessage } from 'ai';
import { prepareSendLastMessage } from 'llm-context/next';
import { useMemo, useState, type FormEvent } from 'react';

/**
 * A minimal chat client speaking the AI SDK's UI message stream protocol (what `useChat` from
 * `@ai-sdk/react` does, without the extra package): it sends only the new message and renders the
 * streamed reply.
 */
export function Chat({ id, initialMessages }: { id: string; initialMessages: UIMessage[] }) {
  const [messages, setMessages] = useState<UIMessage[]>(initialMessages);
  const [input, setInput] = useState('');
  const [status, setStatus] = useState<'ready' | 'streaming' | 'error'>('ready');
  const transport = useMemo(() => new DefaultChatTransport<UIMessage>({ api: '/api/chat', prepareSendMessagesRequest: prepareSendLastMessage }), []);

  async function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = input.trim();
    if (text.length === 0 || status === 'streaming') return;
    const sent: UIMessage[] = [...messages, { id: generateId(), role: 'user', parts: [{ type: 'text', text }] }];
    setMessages(sent);
    setInput('');
    setStatus('streaming');
    try {
      const stream = await transport.sendMessages({ chatId: id, messages: sent, trigger: 'submit-message', messageId: undefined, abortSignal: undefined });
      for await (const reply of readUIMessageStream<UIMessage>({ stream })) setMessages([...sent, reply]);
      setStatus('ready');
    } catch {
      setStatus('error');
    }
  }

  return (
    <main>
      <h1 style={{ fontSize: '1.25rem' }}>llm-context chat</h1>
      <ol data-testid="messages" style={{ listStyle: 'none', padding: 0 }}>
        {messages.map((message) => (
          <li key={message.id} data-role={message.role} style={{ margin: '0.5rem 0', padding: '0.5rem 0.75rem', borderRadius: 8, background: message.role === 'user' ? '#e8f0fe' : '#f1f3f4' }}>
            <strong>{message.role === 'user' ? 'You' : 'Assistant'}: </strong>
            {message.parts.map((part, index) => (part.type === 'text' ? <span key={index}>{part.text}</span> : null))}
          </li>
        ))}
      </ol>
      <form onSubmit={send} style={{ display: 'flex', gap: '0.5rem' }}>
        <input aria-label="Message" value={input} onChange={(event) => setInput(event.target.value)} placeholder="Say something" style={{ flex: 1, padding: '0.5rem' }} />
        <button type="submit" disabled={status === 'streaming'}>
          Send
        </button>
      </form>
      <p data-testid="status" data-status={status} style={{ color: '#666', fontSize: '0.8rem' }}>
        {status === 'error' ? 'The message could not be sent.' : status === 'streaming' ? 'Thinking…' : 'Ready'}
      </p>
    </main>
  );
}
