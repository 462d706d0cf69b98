/**
 * `llm-context/testing`: the store contract suite any store's test file calls, the test clock,
 * and fixtures for preparing messages the way the manager does.
 */
export { describeStoreContract, type StoreContractOptions } from './contract.js';
export { createTestClock, type TestClock } from './test-clock.js';
export { newMessages, textTurns, toolExchange } from './fixtures.js';
export { describeMemoriesContract, newMemory } from './memories-contract.js';
