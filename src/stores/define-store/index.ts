/**
 * The shared store layer: {@link defineStore} wraps a {@link StoreDriver} (storage only) into a
 * validated {@link Store}. Every backend under `src/stores/` is written on it.
 */
export { defineStore, type DefineStoreOptions } from './define-store.js';
export type {
  StoreDriver,
  MemoryDriver,
  ConversationChanges,
  ConversationSnapshot,
  DriverAppendOptions,
  DriverContextReadOptions,
  DriverListConversationsOptions,
  DriverListMessagesOptions,
  DriverMessageSearchOptions,
  DriverTailOptions,
} from './driver.js';
export { expiredAtOf, isExpired, isRetriedBatch, newConversation, ownedBy, ownerOf, primaryTokens, totalPrimaryTokens } from './records.js';
