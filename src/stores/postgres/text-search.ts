import { CJK_CHARACTER_CLASS } from '../../search/analyze-text.js';

/**
 * Full-text search configuration shared by the schema and the queries.
 *
 * `english` (Snowball stemmer + English stop words) rather than `simple`: it matches what the
 * in-memory store's analyzer does (Porter stemming, English stop words), so "running" finds "run"
 * on every backend, and stop words do not dominate `ts_rank_cd`. Words in other languages are
 * still matched exactly when query and document spell them alike.
 */
export const TEXT_SEARCH_CONFIG = 'english';

/**
 * A text expression with its CJK runs spelled as overlapping character bigrams separated by spaces
 * (`我的订单` → `我的 的订 订单`), so the text-search parser, which would keep a run without spaces
 * as one word, yields the same bigram terms as `analyzeText` in the in-memory store: every
 * character with a CJK neighbour on both sides is doubled around a space. Immutable (plain
 * `regexp_replace`), so generated columns may use it. PostgreSQL ≥ 9.6 (lookbehind).
 */
export function cjkBigramsSql(textSql: string): string {
  return `regexp_replace(${textSql}, '(?<=${CJK_CHARACTER_CLASS})(${CJK_CHARACTER_CLASS})(?=${CJK_CHARACTER_CLASS})', '\\1 \\1', 'g')`;
}

/** The JSON values of the message's indexed fields (see {@link MESSAGE_TSVECTOR_SQL}). */
const messageSearchJsonSql = (content: string) => `CASE WHEN jsonb_typeof(${content}) = 'string' THEN ${content}
    ELSE jsonb_path_query_array(${content}, 'strict $[*] ? (@.type == "text").text')
      || jsonb_path_query_array(${content}, 'strict $[*] ? (@.type == "tool-call" || @.type == "tool-result").toolName')
      || jsonb_path_query_array(${content}, 'strict $[*] ? (@.type == "tool-call").input')
      || jsonb_path_query_array(${content}, 'strict $[*] ? (@.type == "tool-result").output')
      || jsonb_path_query_array(${content}, 'strict $[*] ? (@.type == "file").filename')
    END`;

/**
 * The indexed text of a message, as an immutable SQL expression over `name` and `content` for a
 * generated `tsvector` column: text parts, tool names, tool-call inputs, tool-result outputs (their
 * JSON string and number values) and file names, plus the participant name — the same fields as
 * `messageSearchText` in `src/search/message-text.ts`. Reasoning parts and URLs are left out.
 * CJK runs are indexed as character bigrams (see {@link cjkBigramsSql}; migration 6). Inserting
 * spaces into the JSON text keeps it valid JSON: CJK characters only occur inside its strings.
 */
export const MESSAGE_TSVECTOR_SQL = messageTsvectorSql('');

/**
 * {@link MESSAGE_TSVECTOR_SQL} over the columns of `row` (`'NEW.'` in a trigger function, which
 * keeps a plain column equal to what the generated column would hold; see migration 6).
 */
export function messageTsvectorSql(row: string): string {
  return `(
  jsonb_to_tsvector('${TEXT_SEARCH_CONFIG}'::regconfig,
    ${cjkBigramsSql(`(${messageSearchJsonSql(`${row}content`)})::text`)}::jsonb,
    '["string", "numeric"]')
  || to_tsvector('${TEXT_SEARCH_CONFIG}'::regconfig, ${cjkBigramsSql(`coalesce(${row}name, '')`)})
)`;
}

/** A memory's indexed text (its `text`, CJK runs as bigrams; migration 6). */
export const MEMORY_TSVECTOR_SQL = memoryTsvectorSql('');

/** {@link MEMORY_TSVECTOR_SQL} over the columns of `row` (see {@link messageTsvectorSql}). */
export function memoryTsvectorSql(row: string): string {
  return `(to_tsvector('${TEXT_SEARCH_CONFIG}'::regconfig, ${cjkBigramsSql(`${row}text`)}))`;
}

/** The message expression of migration 1 (before CJK bigrams), kept as applied. */
export const MESSAGE_TSVECTOR_SQL_V1 = `(
  jsonb_to_tsvector('${TEXT_SEARCH_CONFIG}'::regconfig,
    CASE WHEN jsonb_typeof(content) = 'string' THEN content
    ELSE jsonb_path_query_array(content, 'strict $[*] ? (@.type == "text").text')
      || jsonb_path_query_array(content, 'strict $[*] ? (@.type == "tool-call" || @.type == "tool-result").toolName')
      || jsonb_path_query_array(content, 'strict $[*] ? (@.type == "tool-call").input')
      || jsonb_path_query_array(content, 'strict $[*] ? (@.type == "tool-result").output')
      || jsonb_path_query_array(content, 'strict $[*] ? (@.type == "file").filename')
    END,
    '["string", "numeric"]')
  || to_tsvector('${TEXT_SEARCH_CONFIG}'::regconfig, coalesce(name, ''))
)`;

/**
 * The tsquery for a search string: natural-language queries match ANY of their terms (ranked by
 * `ts_rank_cd`, as BM25 does in the in-memory store), because questions rarely contain every word
 * of the answer. A query using web-search syntax (`"quoted phrase"`, `or`, `-excluded`) keeps
 * `websearch_to_tsquery`'s exact semantics. The query is always a bound parameter ($n).
 */
export function tsQuerySql(parameter: string, query: string): string {
  const usesOperators = /["]|(^|\s)-\S|\sor\s/i.test(query);
  // The query's CJK runs become the same bigrams as the indexed text's.
  const websearch = `websearch_to_tsquery('${TEXT_SEARCH_CONFIG}'::regconfig, ${cjkBigramsSql(parameter)})`;
  // websearch_to_tsquery of plain words is `'a' & 'b'`; lexemes are quoted, so swapping the
  // top-level operator text yields `'a' | 'b'` without touching any lexeme.
  return usesOperators ? websearch : `replace(${websearch}::text, ' & ', ' | ')::tsquery`;
}
