import { generateId } from 'ai';
import { redirect } from 'next/navigation';

export const dynamic = 'force-dynamic';

/** A new chat: the id is made on the server, as in the AI SDK's persistence guide. */
export default function Home(): never {
  redirect(`/chat/${generateId()}`);
}
