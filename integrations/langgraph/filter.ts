/**
 * LangGraph's search filter, with the semantics of its `InMemoryStore` (`compareValues` in
 * `@langchain/langgraph-checkpoint` store utils, not exported): each key of `filter` is a top-level
 * field of the value; a plain filter value matches by `===`; an operator object (`$eq`, `$ne`,
 * `$gt`, `$gte`, `$lt`, `$lte` compare as numbers, `$in`, `$nin`) must satisfy every operator.
 */
export function matchesFilter(value: Record<string, unknown>, filter: Record<string, unknown> | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([key, expected]) => compareValues(value[key], expected));
}

const OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin']);

function compareValues(actual: unknown, expected: unknown): boolean {
  if (typeof expected === 'object' && expected !== null && Object.keys(expected).every((key) => OPERATORS.has(key))) {
    return Object.entries(expected as Record<string, unknown>).every(([operator, operand]) => {
      switch (operator) {
        case '$eq':
          return actual === operand;
        case '$ne':
          return actual !== operand;
        case '$gt':
          return Number(actual) > Number(operand);
        case '$gte':
          return Number(actual) >= Number(operand);
        case '$lt':
          return Number(actual) < Number(operand);
        case '$lte':
          return Number(actual) <= Number(operand);
        case '$in':
          return Array.isArray(operand) ? operand.includes(actual) : false;
        case '$nin':
          return Array.isArray(operand) ? !operand.includes(actual) : true;
        default:
          return false;
      }
    });
  }
  return actual === expected;
}
