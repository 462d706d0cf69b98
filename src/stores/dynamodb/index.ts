/**
 * `llm-context/dynamodb`: the DynamoDB store (AWS SDK v3 `DynamoDBClient` or
 * `DynamoDBDocumentClient`, passed in by the caller). Single-table design; see README.md here.
 */
export { createDynamoDBStore, type DynamoDBStoreOptions, type DynamoDBStoreExtras } from './dynamodb-store.js';
export { ensureTable, tableDefinition } from './ensure-table.js';
export { KEY_SCHEMA } from './keys.js';
export { DYNAMODB_SEARCH_WINDOW, type SearchWindow } from './message-search.js';
export type { DynamoDBClientLike } from './table-client.js';
