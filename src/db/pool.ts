/**
 * The app's one connection pool. Repositories take a `Db` (the pool, or a transaction's client),
 * never the pool's type, so one query function serves both.
 */
import pg from 'pg';
import type { Logger } from '../log.ts';

/** What repositories need: one parameterised query at a time (`text`, or a `NamedQuery`). */
export interface Db {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    text: string | NamedQuery,
    values?: readonly unknown[],
  ): Promise<pg.QueryResult<R>>;
}

/**
 * A statement run as a named prepared statement: PostgreSQL parses it once per connection and,
 * after a few runs, plans it once (`plan_cache_mode=auto`), where a query sent as text is parsed and
 * planned on every run. For the hot statements whose parse and plan cost more than their run: a
 * start's counts took 1.27 ms to parse and plan and 0.07 ms to run (`log_min_duration_statement=0`
 * over the chat bench; docs/decisions.md, "Prepared statements"). Its values travel inside it, so
 * each call makes a new object (pg writes the values into the object it is given).
 */
export interface NamedQuery {
  name: string;
  text: string;
  values: unknown[];
}

/** A named statement's text, for `named`: the name is unique per text (one prepared statement a connection). */
export interface Statement {
  readonly name: string;
  readonly text: string;
}

/** `statement` with these values, as a `NamedQuery`. */
export function named(statement: Statement, values: readonly unknown[]): NamedQuery {
  return { name: statement.name, text: statement.text, values: [...values] };
}

/** The text of a query, named or not (for wrappers that look at it). */
export function textOf(query: string | NamedQuery): string {
  return typeof query === 'string' ? query : query.text;
}

export interface CreatePoolOptions {
  connectionString: string;
  logger: Logger;
  max?: number;
  /** Connections kept open however long they sit idle (default 0). */
  min?: number;
  applicationName?: string;
}

export function createPool(options: CreatePoolOptions): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    min: options.min ?? 0,
    application_name: options.applicationName ?? 'scribe',
    // Fail fast when the database is down instead of queueing requests forever.
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  // An idle client losing its connection (database restart) emits 'error' on the pool; without a
  // listener that would crash the process. The pool discards the client and makes a new one later.
  pool.on('error', (err) => options.logger.warn({ err }, 'database connection lost; will reconnect'));
  return pool;
}

/** Runs `fn` in a transaction on one client; rolls back on any error. */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** True when the database answers a trivial query within `timeoutMs`. */
export async function isDatabaseUp(db: Db, timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      db.query('SELECT 1'),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
