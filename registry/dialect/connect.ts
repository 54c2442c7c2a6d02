/**
 * Opens the database a config names. The adapters load here, on first use (they pull in
 * their drivers), and database.ts, which they extend, does not import them back.
 */
import { RegistryError } from '../errors.js';
import type { Database, DatabaseConfig } from './database.js';

/** How long a PostgreSQL server may take to accept the first connection (pg waits forever by default). */
const CONNECT_TIMEOUT_MS = 10_000;

/** Opens a connection pool for `config`. */
export async function connectDatabase(config: DatabaseConfig): Promise<Database> {
  if (config.dialect === 'sqlite') {
    const { SqliteDatabase } = await import('./sqlite/sqlite-database.js');
    return SqliteDatabase.open(config.filename);
  }
  await checkReachable(config.url);
  const { PostgresDatabase } = await import('./postgres/postgres-database.js');
  return PostgresDatabase.open(config.url, config.schema);
}

/**
 * One connection to `url`, closed at once: a server that cannot be reached (or refuses the
 * login) is one clear DATABASE error here, rather than the pool's logged stack and a bare
 * `connect ECONNREFUSED` from the first query.
 */
async function checkReachable(url: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  client.on('error', () => {}); // a failure after connecting surfaces through connect()/end()
  try {
    await client.connect();
  } catch (e) {
    const err = e as Error & { code?: string };
    const why = err.message || err.code || String(e);
    throw new RegistryError(`cannot connect to the PostgreSQL registry at ${withoutPassword(url)}: ${why}`, 'DATABASE');
  } finally {
    await client.end().catch(() => {});
  }
}

/** `url` with its password, if any, replaced by `***` (for messages). */
function withoutPassword(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}
