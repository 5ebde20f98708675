/**
 * `scribe history --csv`: one person's outreach as the CSV `/scribe export` sends, on stdout, from
 * the real CLI against a real database; a bad argument is named on stderr.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { insertGeneration } from '../../src/db/generations.ts';
import { upsertUser } from '../../src/db/users.ts';
import { commitMarkSent } from '../../src/requests/outreach.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { cleanEnv, runScribe } from '../helpers/scribe-process.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  const ada = await upsertUser(db.pool, { platform: 'slack', teamId: 'T1', platformUserId: 'U0ADA' });
  for (const [name, interest] of [
    ['Dr. Ada Lovelace', 'analytical engines, and looms'],
    ['=HYPERLINK("http://evil.example")', '-1+2'],
  ] as const) {
    const g = await insertGeneration(db.pool, {
      userId: ada.id,
      platform: 'slack',
      teamId: 'T1',
      template: 'Dear {{name}}, a template long enough to be one.',
      recipientName: name,
      recipientInterest: interest,
    });
    await commitMarkSent(db.pool, g);
  }
});

afterAll(() => db?.drop());

it('writes the CSV of that person, formula cells neutralised', async () => {
  const { code, stdout } = await runScribe(
    ['history', '--platform', 'slack', '--team', 'T1', '--user', 'U0ADA', '--csv'],
    cleanEnv({ DATABASE_URL: db.url }),
  );
  expect(code).toBe(0);
  const rows = parse(stdout, { columns: true }) as Record<string, string>[];
  expect(rows.map((r) => [r.recipient, r.interest, r.version, r.follow_up]).sort()).toEqual([
    ['\'=HYPERLINK("http://evil.example")', "'-1+2", '1', 'none'],
    ['Dr. Ada Lovelace', 'analytical engines, and looms', '1', 'none'],
  ]);
  for (const r of rows) expect(Number.isNaN(Date.parse(r.sent_at!))).toBe(false);
}, 60_000);

it('names a missing argument', async () => {
  const { code, output } = await runScribe(['history', '--csv'], cleanEnv({ DATABASE_URL: db.url }));
  expect(code).toBe(2);
  expect(output).toContain('scribe history: --platform');
}, 60_000);
