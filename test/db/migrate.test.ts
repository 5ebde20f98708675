import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationStatus } from '../../src/db/generations.ts';
import { migrate, readMigrations } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';
import { silentLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const logger = silentLogger();
let db: TestDatabase | undefined;

afterEach(async () => {
  await db?.drop();
  db = undefined;
});

async function tables(pool: TestDatabase['pool']): Promise<string[]> {
  const { rows } = await pool.query<{ table_name: string }>(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

/** The versions in migrations/, in order (more are added over time: tests should not list them). */
const shippedVersions = async () => (await readMigrations()).map((m) => m.version);

describe('migrate', () => {
  it('creates the schema of design.md section 5 on an empty database', async () => {
    db = await createTestDatabase();
    const applied = await migrate(db.pool, logger);
    expect(applied).toEqual(await shippedVersions());
    expect(applied.slice(0, 2)).toEqual(['001', '002']);
    expect(await tables(db.pool)).toEqual([
      'batches',
      'feedback',
      'generations',
      'outreach',
      'research_cache',
      'schema_migrations',
      'sender_profiles',
      'spend',
      'spend_pauses',
      'start_drafts',
      'templates',
      'users',
    ]);

    const { rows } = await db.pool.query<{ column_name: string }>(
      "SELECT column_name FROM information_schema.columns WHERE table_name = 'generations'",
    );
    const columns = rows.map((r) => r.column_name);
    for (const column of [
      'user_id',
      'parent_id',
      'team_id',
      'channel_id',
      'thread_id',
      'progress_message_id',
      'result_message_ids',
      'template',
      'recipient_name',
      'recipient_interest',
      'status',
      'current_step',
      'steps',
      'email',
      'sources',
      'error',
      'created_at',
      'updated_at',
    ]) {
      expect(columns).toContain(column);
    }

    // The constraints hold: one user per platform identity, a known status only.
    const user = await db.pool.query<{ id: string }>(
      "INSERT INTO users (platform, team_id, platform_user_id) VALUES ('slack', 'T1', 'U1') RETURNING id",
    );
    await expect(
      db.pool.query("INSERT INTO users (platform, team_id, platform_user_id) VALUES ('slack', 'T1', 'U1')"),
    ).rejects.toThrow(/duplicate key/);
    await expect(
      db.pool.query(
        "INSERT INTO generations (user_id, platform, template, recipient_name, recipient_interest, status) VALUES ($1, 'slack', 't', 'n', 'i', 'lost')",
        [user.rows[0]?.id],
      ),
    ).rejects.toThrow(/check constraint/);
  });

  it('accepts every status a generation can have once all migrations ran (a later file must not drop one)', async () => {
    db = await createTestDatabase({ migrated: true });
    const statuses: GenerationStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'awaiting_review'];
    const { rows } = await db.pool.query<{ id: string }>(
      `INSERT INTO users (platform, team_id, platform_user_id) VALUES ('cli', '', 'u-status') RETURNING id`,
    );
    for (const status of statuses) {
      await db.pool.query(
        `INSERT INTO generations (user_id, platform, template, recipient_name, recipient_interest, status)
         VALUES ($1, 'cli', 't', 'n', 'i', $2)`,
        [rows[0]!.id, status],
      );
    }
    await expect(
      db.pool.query(
        `INSERT INTO generations (user_id, platform, template, recipient_name, recipient_interest, status)
         VALUES ($1, 'cli', 't', 'n', 'i', 'exploded')`,
        [rows[0]!.id],
      ),
    ).rejects.toThrow(/generations_status_check/);
  });

  it('is a no-op when applied again', async () => {
    db = await createTestDatabase();
    await migrate(db.pool, logger);
    await db.pool.query("INSERT INTO research_cache (key, value) VALUES ('k', '{}')");
    expect(await migrate(db.pool, logger)).toEqual([]);
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM research_cache');
    expect(rows[0]).toEqual({ n: 1 });
  });

  it('lets two runners start at once without clashing', async () => {
    db = await createTestDatabase();
    const other = createPool({ connectionString: db.url, logger, max: 2 });
    try {
      const results = await Promise.all([migrate(db.pool, logger), migrate(other, logger), migrate(db.pool, logger)]);
      const versions = await shippedVersions();
      expect(results.flat()).toEqual(versions);
      const { rows } = await db.pool.query('SELECT version FROM schema_migrations ORDER BY version');
      expect(rows).toEqual(versions.map((version) => ({ version })));
    } finally {
      await other.end();
    }
  });

  it('applies files in order, each in a transaction, and stops at a failing one', async () => {
    db = await createTestDatabase();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-migrations-'));
    await fs.writeFile(path.join(dir, '002_second.sql'), 'CREATE TABLE b (id int);');
    await fs.writeFile(path.join(dir, '001_first.sql'), 'CREATE TABLE a (id int);');
    await fs.writeFile(path.join(dir, '003_broken.sql'), 'CREATE TABLE c (id int); SELECT nonsense_fn();');
    await fs.writeFile(path.join(dir, 'README.md'), 'not a migration');
    const migrations = await readMigrations(dir);
    expect(migrations.map((m) => m.version)).toEqual(['001', '002', '003']);

    await expect(migrate(db.pool, logger, migrations)).rejects.toThrow(/Migration 003_broken failed/);
    expect(await tables(db.pool)).toEqual(['a', 'b', 'schema_migrations']); // no table c: rolled back
    await fs.rm(dir, { recursive: true });
  });

  it('refuses a migration that was edited after it was applied', async () => {
    db = await createTestDatabase();
    const [first] = await readMigrations();
    if (!first) throw new Error('no migrations found');
    await migrate(db.pool, logger, [first]);
    const edited = { ...first, sql: `${first.sql}\n-- edited`, checksum: 'different' };
    await expect(migrate(db.pool, logger, [edited])).rejects.toThrow(/was changed after it was applied/);
  });

  it('002 drops the unscoped research cache rows of 001', async () => {
    db = await createTestDatabase();
    const all = await readMigrations();
    await migrate(
      db.pool,
      logger,
      all.filter((m) => m.version === '001'),
    );
    await db.pool.query(`INSERT INTO research_cache (key, value) VALUES ('v1-key', '{"research": null}')`);
    expect(await migrate(db.pool, logger, all)).toContain('002');
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM research_cache');
    expect(rows[0]).toEqual({ n: 0 });
  });
});
