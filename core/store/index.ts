/** The experiment history: data dir, SQLite store, schema migrations, row types. */
export * from './data-dir';
export * from './migrations';
export * from './store';
export * from './types';
export * from './experiments';
