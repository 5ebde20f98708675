/**
 * Applies `migrations/*.sql` in file-name order, each in its own transaction, recorded in
 * `schema_migrations`. Idempotent, and safe when several processes start at once: the whole run
 * holds a session-level advisory lock, so a second runner waits and then finds nothing to do.
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Logger } from '../log.ts';
import { ErrorCode, ScribeError } from '../errors.ts';

export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

// Any constant works; it only has to be the same in every Scribe process ("scribe" in ASCII).
const MIGRATION_LOCK_KEY = 0x73_63_72_69_62_65;

export interface Migration {
  version: string;
  name: string;
  sql: string;
  checksum: string;
}

/** Reads `NNN_name.sql` files, sorted by their number. */
export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d+_[\w-]+\.sql$/.test(f)).sort();
  const migrations: Migration[] = [];
  for (const file of files) {
    const sql = await fs.readFile(path.join(dir, file), 'utf8');
    const [version = file, ...rest] = file.replace(/\.sql$/, '').split('_');
    migrations.push({
      version,
      name: rest.join('_'),
      sql,
      checksum: crypto.createHash('sha256').update(sql).digest('hex'),
    });
  }
  const versions = migrations.map((m) => m.version);
  const duplicate = versions.find((v, i) => versions.indexOf(v) !== i);
  if (duplicate) throw new ScribeError(ErrorCode.Internal, `Two migrations share the number ${duplicate}`);
  return migrations;
}

/** Applies pending migrations; returns the versions it applied (empty when up to date). */
export async function migrate(pool: pg.Pool, logger: Logger, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await readMigrations());
  const client = await pool.connect();
  const applied: string[] = [];
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    await client.query(`
      CREATE TABLE IF NOT EXISTS schema_migrations (
        version    text PRIMARY KEY,
        name       text NOT NULL,
        checksum   text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    const { rows } = await client.query<{ version: string; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations',
    );
    const done = new Map(rows.map((r) => [r.version, r.checksum]));
    for (const migration of all) {
      const checksum = done.get(migration.version);
      if (checksum !== undefined) {
        if (checksum !== migration.checksum) {
          throw new ScribeError(
            ErrorCode.Internal,
            `Migration ${migration.version}_${migration.name} was changed after it was applied; ` +
              'add a new migration instead of editing an applied one',
          );
        }
        continue;
      }
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [
          migration.version,
          migration.name,
          migration.checksum,
        ]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw new ScribeError(
          ErrorCode.Internal,
          `Migration ${migration.version}_${migration.name} failed: ${(err as Error).message}`,
          { cause: err },
        );
      }
      applied.push(migration.version);
      logger.info(
        { event: 'migration.applied', migration: `${migration.version}_${migration.name}` },
        'migration applied',
      );
    }
    return applied;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    client.release();
  }
}
