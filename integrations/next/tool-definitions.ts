import { asSchema, type ToolSet } from 'ai';
import { type ToolDefinition } from '../../src/index.js';

/** AI SDK tools as the definitions `assemble` counts against the budget (name, description, JSON Schema of the input). */
export async function toolDefinitions(options: { tools: ToolSet }): Promise<ToolDefinition[]> {
  return Promise.all(
    Object.entries(options.tools).map(async ([name, tool]) => ({
      name,
      // A description computed per call (a function) cannot be counted ahead of the call.
      ...(typeof tool.description === 'string' ? { description: tool.description } : {}),
      parameters: await asSchema(tool.inputSchema).jsonSchema,
    })),
  );
}
