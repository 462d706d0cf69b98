import { ValidationError } from '../../errors.js';

/**
 * Quoted, validated names of the store's tables. `schema` and `tablePrefix` are the only caller text
 * ever placed in SQL text (everything else is a bound parameter), so they are restricted to
 * lowercase identifiers and double-quoted.
 */
export interface SqlNames {
  /** Schema name, unquoted (for `CREATE SCHEMA` and catalog lookups). */
  readonly schema: string;
  readonly prefix: string;
  readonly conversations: string;
  readonly messages: string;
  readonly summaries: string;
  readonly memories: string;
  /** Superseded versions of memories (migration 7). */
  readonly memoryVersions: string;
  readonly embeddings: string;
  readonly migrations: string;
  /** Builds another quoted, schema-qualified name with the prefix, e.g. an index name. */
  index(name: string): string;
  /** The advisory-lock key that serialises migrations of this schema+prefix. */
  readonly lockKey: string;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,40}$/;

/** @throws {ValidationError} when `schema` or `tablePrefix` is not a lowercase SQL identifier. */
export function createSqlNames(options: { schema?: string; tablePrefix?: string }): SqlNames {
  const schema = options.schema ?? 'public';
  const prefix = options.tablePrefix ?? 'llmctx_';
  if (!IDENTIFIER.test(schema)) throw new ValidationError({ field: 'schema', message: 'must be a lowercase SQL identifier ([a-z_][a-z0-9_]*, at most 41 characters)' });
  if (prefix !== '' && !/^[a-z_][a-z0-9_]{0,20}$/.test(prefix)) throw new ValidationError({ field: 'tablePrefix', message: 'must be empty or a lowercase SQL identifier ([a-z_][a-z0-9_]*, at most 21 characters)' });
  const qualified = (name: string) => `"${schema}"."${prefix}${name}"`;
  return {
    schema,
    prefix,
    conversations: qualified('conversations'),
    messages: qualified('messages'),
    summaries: qualified('summaries'),
    memories: qualified('memories'),
    memoryVersions: qualified('memory_versions'),
    embeddings: qualified('embeddings'),
    migrations: qualified('migrations'),
    index: (name: string) => `"${prefix}${name}"`,
    lockKey: `llm-context:${schema}.${prefix}`,
  };
}
