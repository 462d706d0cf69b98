import { type ToolDefinition } from '../../src/index.js';

/** Function tools carry a JSON Schema `inputSchema`; provider tools (`type: 'provider'`) their `args`. */
export function toToolDefinitions(tools: readonly object[]): ToolDefinition[] {
  return tools.map((tool) => {
    const value = tool as { type?: string; name?: string; description?: string; inputSchema?: unknown; args?: unknown };
    const definition: { name: string; description?: string; parameters?: unknown } = { name: String(value.name) };
    if (value.description !== undefined) definition.description = value.description;
    const parameters = value.type === 'provider' ? value.args : value.inputSchema;
    if (parameters !== undefined) definition.parameters = parameters;
    return definition;
  });
}
