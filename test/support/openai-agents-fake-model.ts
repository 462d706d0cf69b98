import { Usage, type AgentInputItem, type AgentOutputItem, type Model, type ModelRequest, type ModelResponse, type StreamEvent } from '@openai/agents-core';

// Test-only: a scripted OpenAI Agents `Model` (no network), in the manner of agents-core's own FakeModel.

/** One scripted model response: assistant text and/or function calls (ids are derived and unique). */
export interface ScriptedTurn {
  text?: string;
  reasoning?: string;
  calls?: Array<{ name: string; arguments: Record<string, unknown> }>;
}

/** Output items of a scripted response, with provider-style ids (`rs_`, `msg_`, `fc_`) and call ids. */
export function outputItems(turn: ScriptedTurn, prefix: string, n: number): AgentOutputItem[] {
  const items: AgentOutputItem[] = [];
  if (turn.reasoning !== undefined) items.push({ type: 'reasoning', id: `rs_${prefix}_${n}`, content: [{ type: 'input_text', text: turn.reasoning }] });
  (turn.calls ?? []).forEach((call, index) =>
    items.push({ type: 'function_call', id: `fc_${prefix}_${n}_${index}`, callId: `call_${prefix}_${n}_${index}`, name: call.name, arguments: JSON.stringify(call.arguments), status: 'completed' }),
  );
  if (turn.text !== undefined) items.push({ type: 'message', id: `msg_${prefix}_${n}`, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: turn.text }] });
  return items;
}

/** A `Model` that answers each request with the next scripted turn and records every request's input. */
export class FakeModel implements Model {
  readonly requests: AgentInputItem[][] = [];
  private index = 0;
  constructor(
    private readonly turns: ScriptedTurn[],
    private readonly prefix = 'fake',
  ) {}

  async getResponse(request: ModelRequest): Promise<ModelResponse> {
    this.requests.push(typeof request.input === 'string' ? [{ role: 'user', content: request.input }] : structuredClone(request.input));
    const n = this.index++;
    const turn = this.turns[n];
    if (!turn) throw new Error(`FakeModel: no scripted turn ${this.index}`);
    return { usage: new Usage(), output: outputItems(turn, this.prefix, n), responseId: `resp_${this.prefix}_${this.index}` };
  }

  async *getStreamedResponse(request: ModelRequest): AsyncIterable<StreamEvent> {
    const response = await this.getResponse(request);
    yield { type: 'response_started' };
    yield {
      type: 'response_done',
      response: { id: response.responseId!, usage: { requests: 1, inputTokens: 0, outputTokens: 0, totalTokens: 0 }, output: response.output },
    } as StreamEvent;
  }
}
