export type { MongoClientLike } from './mongo-connection.js';
export {
  DEFAULT_COLLECTION_PREFIX,
  type MongoStoreClientOptions,
  type MongoStoreCommonOptions,
  type MongoStoreOptions,
  type MongoStoreUrlOptions,
  mongoStore,
} from './mongo-store.js';
export type { MongoTransactionHandle } from './mongo-transactions.js';
