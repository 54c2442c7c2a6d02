/**
 * Opens the database a config names. The adapters load here, on first use (they pull in
 * their drivers), and database.ts, which they extend, does not import them back.
 */
import type { Database, DatabaseConfig } from './database.js';

/** Opens a connection pool for `config`. */
export async function connectDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.dialect === 'sqlite') {
    const { SqliteDatabase } = await import('./sqlite/sqlite-database.js');
    return SqliteDatabase.open(config.filename);
  }
  const { PostgresDatabase } = await import('./postgres/postgres-database.js');
  return PostgresDatabase.open(config.url, config.schema);
}
