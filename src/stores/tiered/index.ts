export { createTieredStore, type TieredHealth, type TieredStore, type TieredStoreOptions } from './tiered-store.js';
