import { createChatRoute } from 'llm-context/next';
import { chatScope, getManager } from '../../../lib/manager';
import { getModel } from '../../../lib/model';
import { chatTools } from '../../../lib/tools';

export const dynamic = 'force-dynamic';

export async function POST(request: Request): Promise<Response> {
  const handle = createChatRoute({
    manager: await getManager(),
    model: getModel(),
    scope: chatScope,
    system: 'You are a helpful assistant. Answer briefly.',
    budget: { maxTokens: 8_000, reserveOutput: 1_000 },
    tools: chatTools,
  });
  return handle(request);
}
