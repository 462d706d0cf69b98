import type { BaseMessage } from '@langchain/core/messages';

/**
 * Any LangChain chat model (`BaseChatModel`: `ChatOpenAI`, `ChatAnthropic`, fake models, …) or
 * runnable that maps messages to a message, typed structurally.
 */
export interface ChatModelLike {
  invoke(input: BaseMessage[], options?: { signal?: AbortSignal }): Promise<BaseMessage>;
}

/** Calls the model and returns its reply text (text blocks joined), honouring `signal`. */
export async function invokeForText(model: ChatModelLike, messages: BaseMessage[], signal: AbortSignal | undefined): Promise<string> {
  signal?.throwIfAborted();
  const reply = await model.invoke(messages, signal === undefined ? {} : { signal });
  return reply.text;
}
