'use client';

import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, getToolName, isToolUIPart, lastAssistantMessageIsCompleteWithApprovalResponses, type DynamicToolUIPart, type ToolUIPart, type UIMessage } from 'ai';
import { prepareSendLastMessage } from 'llm-context/next';
import { useState, type FormEvent } from 'react';

/**
 * The chat page's client: `useChat` from `@ai-sdk/react` over a transport that sends only the new
 * message (the server holds the history). Regenerate and Retry resend the user turn with the same
 * id, and the route answers it again in place of the old reply; Approve / Deny answer a tool's
 * approval request, after which `useChat` sends the reply back and the route continues it.
 */
export function Chat({ id, initialMessages }: { id: string; initialMessages: UIMessage[] }) {
  const { messages, sendMessage, regenerate, addToolApprovalResponse, status } = useChat({
    id,
    messages: initialMessages,
    transport: new DefaultChatTransport({ api: '/api/chat', prepareSendMessagesRequest: prepareSendLastMessage }),
    // Once every approval request of the reply is answered, send the reply back for the server to continue.
    sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
  });
  const [input, setInput] = useState('');
  const busy = status === 'submitted' || status === 'streaming';
  const last = messages.at(-1);

  function send(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const text = input.trim();
    if (text.length === 0 || busy) return;
    setInput('');
    void sendMessage({ text });
  }

  return (
    <main>
      <h1 style={{ fontSize: '1.25rem' }}>llm-context chat</h1>
      <ol data-testid="messages" style={{ listStyle: 'none', padding: 0 }}>
        {messages.map((message) => (
          <li key={message.id} data-id={message.id} data-role={message.role} style={{ margin: '0.5rem 0', padding: '0.5rem 0.75rem', borderRadius: 8, background: message.role === 'user' ? '#e8f0fe' : '#f1f3f4' }}>
            <strong>{message.role === 'user' ? 'You' : 'Assistant'}: </strong>
            {message.parts.map((part, index) =>
              part.type === 'text' ? (
                <span key={index}>{part.text}</span>
              ) : isToolUIPart(part) ? (
                <ToolCall key={index} part={part} answer={(approvalId, approved) => void addToolApprovalResponse({ id: approvalId, approved })} />
              ) : null,
            )}
          </li>
        ))}
      </ol>
      <form onSubmit={send} style={{ display: 'flex', gap: '0.5rem' }}>
        <input aria-label="Message" value={input} onChange={(event) => setInput(event.target.value)} placeholder="Say something" style={{ flex: 1, padding: '0.5rem' }} />
        <button type="submit" disabled={busy}>
          Send
        </button>
        {status === 'ready' && last?.role === 'assistant' ? (
          <button type="button" onClick={() => void regenerate()}>
            Regenerate
          </button>
        ) : null}
        {status === 'error' ? (
          <button type="button" onClick={() => void regenerate()}>
            Retry
          </button>
        ) : null}
      </form>
      <p data-testid="status" data-status={status} style={{ color: '#666', fontSize: '0.8rem' }}>
        {status === 'error' ? 'The message could not be sent.' : busy ? 'Thinking…' : 'Ready'}
      </p>
    </main>
  );
}

/** A tool call: its input, and Approve / Deny while it waits for the user. */
function ToolCall({ part, answer }: { part: ToolUIPart | DynamicToolUIPart; answer: (approvalId: string, approved: boolean) => void }) {
  return (
    <div data-testid="tool" data-tool={getToolName(part)} data-state={part.state} style={{ margin: '0.25rem 0', fontSize: '0.9rem' }}>
      <code>
        {getToolName(part)}({JSON.stringify(part.input)})
      </code>{' '}
      {part.state === 'approval-requested' ? (
        <>
          <button type="button" onClick={() => answer(part.approval.id, true)}>
            Approve
          </button>{' '}
          <button type="button" onClick={() => answer(part.approval.id, false)}>
            Deny
          </button>
        </>
      ) : part.state === 'output-available' ? (
        <span>done</span>
      ) : part.state === 'output-denied' ? (
        <span>denied</span>
      ) : part.state === 'output-error' ? (
        <span>failed</span>
      ) : (
        <span>…</span>
      )}
    </div>
  );
}
