import { loadUIMessages } from 'llm-context/next';
import { chatScope, getManager } from '../../../lib/manager';
import { Chat } from './chat';

export const dynamic = 'force-dynamic';

export default async function ChatPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  const initialMessages = await loadUIMessages({ manager: await getManager(), conversationId: id, scope: chatScope });
  return <Chat id={id} initialMessages={initialMessages} />;
}
