export { type SqliteStoreOptions, type SqliteSynchronous, sqliteStore } from './sqlite-store.js';
