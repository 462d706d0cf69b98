import { AIMessage, HumanMessage, SystemMessage } from '@langchain/core/messages';
import { fakeModel } from '@langchain/core/testing';
import { SyntheticEmbeddings } from '@langchain/core/utils/testing';
import { describe, expect, it } from 'vitest';
import { ContextManager } from '../../src/context-manager.js';
import { indexEmbeddings, messageEmbeddingTarget } from '../../src/search/index-embeddings.js';
import { compactConversation } from '../../src/summarize/policy.js';
import { LLMContextChatMessageHistory } from './chat-message-history.js';
import { langChainEmbedder } from './langchain-embedder.js';
import { langChainSummarizer } from './langchain-summarizer.js';

const scope = { tenantId: 'acme' };

async function seed(manager: ContextManager, conversationId: string, turns: number) {
  const history = new LLMContextChatMessageHistory({ manager, conversationId, scope });
  for (let turn = 0; turn < turns; turn++) {
    await history.addMessages([new HumanMessage(`Turn ${turn}: I like ${turn % 2 === 0 ? 'tea' : 'long walks'} in Lyon. ${'more '.repeat(20)}`), new AIMessage(`Noted for turn ${turn}. ${'okay '.repeat(20)}`)]);
  }
}

describe('LangChain models in the llm-context pipeline', () => {
  it('should fold old turns with a LangChain summarizer, and the context view should lead with that summary', async () => {
    const manager = new ContextManager();
    await seed(manager, 'summarized', 20);
    const model = fakeModel();
    for (let call = 0; call < 5; call++) model.respond(new AIMessage(`Ada lives in Lyon and likes tea and long walks (summary ${call}).`));

    const result = await compactConversation({
      store: manager.store,
      scope,
      conversationId: 'summarized',
      tokenizer: await manager.getTokenizer(),
      summarizer: langChainSummarizer({ model }),
      thresholdTokens: 100,
      maxSummaryTokens: 200,
      timeoutMs: 5000,
      keepRecentTokens: 200,
    });
    expect(result.status).toBe('updated');
    expect(model.callCount).toBeGreaterThan(0);
    expect(model.calls[0]!.messages[1]!.text).toContain('user: Turn 0: I like tea in Lyon.');

    const context = await new LLMContextChatMessageHistory({ manager, conversationId: 'summarized', scope, view: 'context', assemble: { budget: { maxTokens: 500 }, system: 'Be helpful.' } }).getMessages();
    expect(context[0]).toBeInstanceOf(SystemMessage);
    expect(context[0]!.text).toContain('Be helpful.');
    expect(context[0]!.text).toMatch(/Ada lives in Lyon and likes tea and long walks \(summary \d\)\./);
    expect(context.length).toBeLessThan(40);
  });

  it('should index stored messages with a LangChain Embeddings instance', async () => {
    const manager = new ContextManager();
    await seed(manager, 'embedded', 3);
    const embedder = langChainEmbedder({ embeddings: new SyntheticEmbeddings({ vectorSize: 16 }), modelId: 'synthetic-16', dimensions: 16 });
    const messages = await manager.listMessages('embedded', { scope });
    const first = await indexEmbeddings({ store: manager.store, scope, embedder, targets: messages.map(messageEmbeddingTarget) });
    expect(first).toEqual({ embedded: 6, cached: 0 });
    // The cache is keyed by model id: a second pass embeds nothing.
    expect(await indexEmbeddings({ store: manager.store, scope, embedder, targets: messages.map(messageEmbeddingTarget) })).toEqual({ embedded: 0, cached: 6 });
    const [vector] = await embedder.embed([messages[0]!.content as string], {});
    const hits = await manager.store.vectors!.search(scope, { kind: 'message', model: 'synthetic-16', vector: vector!, conversationId: 'embedded', limit: 1 });
    expect(hits[0]!.targetId).toBe(messages[0]!.id);
  });
});
