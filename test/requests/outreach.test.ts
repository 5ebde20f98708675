/**
 * Outreach memory below the chats: the CSV writer (RFC 4180, parsed back by csv-parse) and its
 * neutralised formula cells; who counts as already contacted (normalised name and interest); a
 * second mark changes nothing, *Not sent* takes it back; a batch row flagged at its start says so
 * on the table, from the rows the worker reads.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachToBatch, batchRows, flagContacted, insertBatch } from '../../src/db/batches.ts';
import { insertGeneration } from '../../src/db/generations.ts';
import { upsertUser, type User } from '../../src/db/users.ts';
import {
  commitMarkSent,
  commitUnmarkSent,
  contactedBefore,
  neutraliseCell,
  outreachCsv,
  toCsv,
} from '../../src/requests/outreach.ts';
import { batchRowLine, batchViewOf, initialBatchView } from '../../src/thread/batch-view.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

describe('the CSV', () => {
  it('parses back through csv-parse, quotes, commas and line breaks included', () => {
    const rows = [
      ['Dr. "Ada" Lovelace', 'openalex:A1', 'engines, looms\nand numbers', '2026-11-12T10:00:00.000Z', '3', 'none'],
      ['Jun Li', '', 'plain', '2026-11-13T10:00:00.000Z', '1', 'scheduled'],
    ];
    const text = toCsv(['a', 'b', 'c', 'd', 'e', 'f'], rows);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(parse(text, { from_line: 2 })).toEqual(rows);
  });

  it.each([
    ['=cmd|" /C calc"!A0', `'=cmd|" /C calc"!A0`],
    ['+1-2', "'+1-2"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\t=1', "'\t=1"],
    ['Ada = Lovelace', 'Ada = Lovelace'],
    ['', ''],
  ])('neutralises %j as %j', (cell, shown) => {
    expect(neutraliseCell(cell)).toBe(shown);
    expect(parse(toCsv(['x'], [[cell]]), { from_line: 2 })).toEqual([[shown]]);
  });
});

describe('with a database', () => {
  let db: TestDatabase;
  let ada: User;
  beforeAll(async () => {
    db = await createTestDatabase({ migrated: true });
    ada = await upsertUser(db.pool, { platform: 'slack', teamId: 'T1', platformUserId: 'U0ADA' });
  });
  afterAll(() => db?.drop());

  const email = (recipientName: string, recipientInterest: string) =>
    insertGeneration(db.pool, {
      userId: ada.id,
      platform: 'slack',
      teamId: 'T1',
      template: 'Dear {{name}}, hello there, a template long enough.',
      recipientName,
      recipientInterest,
    });

  it('remembers a sent email once; matches the same name and interest however typed; Not sent takes it back', async () => {
    const g = await email('Dr. Ada Lovelace', 'Analytical engines');
    const first = await commitMarkSent(db.pool, g);
    expect(first.kind).toBe('marked-sent');
    const again = await commitMarkSent(db.pool, g);
    expect(again).toMatchObject({ kind: 'already-sent' });
    if (first.kind !== 'marked-sent' || again.kind !== 'already-sent') return;
    expect(again.outreach.sentAt).toEqual(first.outreach.sentAt);
    expect(first.outreach).toMatchObject({ recipientKey: 'name:dr. ada lovelace|analytical engines', identity: null });

    const found = await contactedBefore(db.pool, ada.id, {
      recipientName: '  DR. ADA   LOVELACE ',
      recipientInterest: 'analytical Engines',
    });
    expect(found?.generationId).toBe(g.id);
    // Another interest with no confirmed identity: maybe someone else of that name.
    expect(
      await contactedBefore(db.pool, ada.id, { recipientName: 'Dr. Ada Lovelace', recipientInterest: 'poetry' }),
    ).toBeUndefined();
    const grace = await upsertUser(db.pool, { platform: 'slack', teamId: 'T1', platformUserId: 'U0GRACE' });
    expect(
      await contactedBefore(db.pool, grace.id, {
        recipientName: 'Dr. Ada Lovelace',
        recipientInterest: 'analytical engines',
      }),
    ).toBeUndefined();

    expect(outreachCsv([first.outreach]).split('\r\n')[0]).toBe(
      'recipient,identity,interest,sent_at,version,follow_up',
    );
    expect((await commitUnmarkSent(db.pool, g)).kind).toBe('unmarked');
    expect((await commitUnmarkSent(db.pool, g)).kind).toBe('not-marked');
    expect(
      await contactedBefore(db.pool, ada.id, {
        recipientName: 'Dr. Ada Lovelace',
        recipientInterest: 'analytical engines',
      }),
    ).toBeUndefined();
  });

  it('keys a confirmed person by OpenAlex id (ORCID beside it), and then matches their name with any interest', async () => {
    const author = {
      id: 'A5023888391',
      name: 'Jun Li',
      alternativeNames: [],
      orcid: '0000-0002-1825-0097',
      worksCount: 40,
      citedByCount: 900,
      institutions: [{ name: 'MIT' }],
      affiliations: [],
      topics: [],
    };
    const g = await email('Jun Li', 'graph neural networks');
    const confirmed = {
      ...g,
      steps: {
        identity: {
          status: 'done' as const,
          durationMs: 1,
          warnings: [],
          finishedAt: new Date().toISOString(),
          output: {
            decision: 'confident' as const,
            basis: 'scores' as const,
            chosenId: author.id,
            candidates: [{ author, score: 9, evidence: [], works: [], merged: false, confirmedInstitutions: ['MIT'] }],
            hint: {},
          },
        },
      },
    };
    const marked = await commitMarkSent(db.pool, confirmed);
    expect(marked).toMatchObject({
      kind: 'marked-sent',
      outreach: { recipientKey: 'openalex:A5023888391', identity: 'openalex:A5023888391 orcid:0000-0002-1825-0097' },
    });
    const found = await contactedBefore(db.pool, ada.id, { recipientName: 'jun li', recipientInterest: 'GNNs' });
    expect(found?.generationId).toBe(g.id);
  });

  it('flags a batch row whose recipient was emailed before: the first table and every later one', async () => {
    const sentAt = new Date(Date.UTC(new Date().getUTCFullYear(), 10, 12, 9));
    const initial = initialBatchView('b', ['Jun Li', 'Ada Lovelace'], [undefined, sentAt]);
    expect(initial.rows.map((r) => batchRowLine(r))).toEqual([
      '⏳ Jun Li',
      '⏳ Ada Lovelace — already emailed on 12 Nov',
    ]);
    const batch = await insertBatch(db.pool, { userId: ada.id, platform: 'slack', teamId: 'T1', size: 2 });
    const rows = [await email('Jun Li', 'graphs'), await email('Ada Lovelace', 'engines')];
    for (const [i, g] of rows.entries()) await attachToBatch(db.pool, g.id, batch.id, i);
    await flagContacted(db.pool, rows[1]!.id, sentAt);
    const view = batchViewOf(batch, await batchRows(db.pool, batch.id));
    expect(view.rows.map((r) => batchRowLine(r))).toEqual(['⏳ Jun Li', '⏳ Ada Lovelace — already emailed on 12 Nov']);
  });
});
