/**
 * An OpenAI Agents JS agent whose session lives in llm-context, offline: a tool that needs
 * approval interrupts the run, the run resumes after `state.approve`, and the history the next
 * turn sends is the newest whole turns and tool groups within a token budget.
 * A scripted `Model` stands in for OpenAI (pass `model: 'gpt-4.1'` for the real one).
 *
 * Run: npx tsx examples/openai-agents/session.ts
 */
import { Agent, run, setTracingDisabled, tool, Usage, type AgentInputItem, type Model, type ModelRequest, type ModelResponse } from '@openai/agents-core';
import { z } from 'zod';
import { LLMContextSession } from '../../integrations/openai-agents/index.js';
import { ContextManager } from '../../src/index.js';

/** Answers each request with the next scripted output items; records what it was sent. */
class ScriptedModel implements Model {
  readonly inputs: AgentInputItem[][] = [];
  private step = 0;
  constructor(private readonly outputs: ModelResponse['output'][]) {}
  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.inputs.push(request.input as AgentInputItem[]);
    return { usage: new Usage(), output: this.outputs[this.step++]!, responseId: `resp_${this.step}` };
  }
  // eslint-disable-next-line require-yield
  async *getStreamedResponse(): AsyncIterable<never> {
    throw new Error('streaming is not scripted in this example');
  }
}

const say = (id: string, text: string) => [{ type: 'message' as const, id, role: 'assistant' as const, status: 'completed' as const, content: [{ type: 'output_text' as const, text }] }];

export async function main() {
  setTracingDisabled(true);
  const refund = tool({
    name: 'refund_order',
    description: 'Refunds an order; a human approves each refund.',
    parameters: z.object({ orderId: z.string() }),
    needsApproval: true,
    execute: async ({ orderId }) => `Order ${orderId} refunded.`,
  });
  const model = new ScriptedModel([
    [{ type: 'function_call', id: 'fc_1', callId: 'call_1', name: 'refund_order', arguments: '{"orderId":"A-1001"}', status: 'completed' }],
    say('msg_1', 'Your order A-1001 has been refunded.'),
    say('msg_2', 'You are welcome!'),
  ]);
  const agent = new Agent({ name: 'support', instructions: 'You are a support agent.', model, tools: [refund] });
  const manager = new ContextManager();
  const scope = { tenantId: 'acme', userId: 'alice' };
  const session = new LLMContextSession({ manager, sessionId: 'support-42', scope, budget: { maxTokens: 4000 } });
  const first = await run(agent, 'Please refund order A-1001.', { session });
  const interruptions = first.interruptions.length;
  for (const interruption of first.interruptions) first.state.approve(interruption);
  const resumed = await run(agent, first.state, { session });
  const thanks = await run(agent, 'Thanks!', { session });
  const stored = await manager.listMessages('support-42', { scope });
  return { replies: [resumed.finalOutput, thanks.finalOutput], interruptions, stored, lastInput: model.inputs.at(-1)! };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { replies, interruptions, stored } = await main();
  console.log(`interruptions approved: ${interruptions}`);
  for (const reply of replies) console.log(`assistant: ${reply}`);
  console.log(`stored: ${stored.map((message) => message.role).join(' ')}`);
}
