import { createMemoryStore } from '../../src/stores/memory/index.js';
import { describeStoreContract } from '../../src/testing/index.js';

describeStoreContract({ name: 'memory', createStore: async ({ clock }) => createMemoryStore({ clock }) });
