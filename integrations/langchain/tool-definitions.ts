import type { ClientTool, ServerTool } from '@langchain/core/tools';
import { toJsonSchema } from '@langchain/core/utils/json_schema';
import { type ToolDefinition } from '../../src/index.js';

/**
 * Tool definitions for token counting, from the tools of a `createAgent` model request: client
 * tools (`tool(...)`, `StructuredTool`) by name, description and JSON Schema of their input;
 * provider (server) tools by their JSON as given.
 */
export function toolDefinitionsOf(tools: ReadonlyArray<ServerTool | ClientTool>): ToolDefinition[] {
  return tools.map((tool) => {
    const record = tool as Record<string, unknown>;
    const name = typeof record.name === 'string' ? record.name : typeof record.type === 'string' ? record.type : 'tool';
    if (!('schema' in record) || record.schema === undefined) return { name, parameters: record };
    const definition: { name: string; description?: string; parameters?: unknown } = { name, parameters: schemaOf(record.schema) };
    if (typeof record.description === 'string') definition.description = record.description;
    return definition;
  });
}

function schemaOf(schema: unknown): unknown {
  try {
    return toJsonSchema(schema as Parameters<typeof toJsonSchema>[0]);
  } catch {
    // An exotic schema still costs tokens; its JSON is the best estimate we have.
    return schema;
  }
}
