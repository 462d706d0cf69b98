import { createMemoryStore } from '../../src/stores/memory/memory-store.js';
import { describeMemoriesContract } from '../../src/testing/memories-contract.js';

describeMemoriesContract({ name: 'memory', createStore: async ({ clock }) => createMemoryStore({ clock }) });
