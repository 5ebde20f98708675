/**
 * A batch on Discord end to end, in process: the real discord.js bot on the fake gateway and REST,
 * real Postgres and pg-boss, the worker with the real Discord reporters against the fake services.
 * `/scribe recipients:<file.csv>` with 3 bad rows refused (by line number) → the fixed file → one
 * table (Components V2) edited to all ✅ and 12 emails, each once, in the batch's thread, each
 * labelled with its recipient and place; the form with a failing recipient; a passing failure in step 4
 * retried from its failure reply; Cancel batch.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDiscordBatchReporter } from '../../../src/bots/discord/batch-reporter.ts';
import { createDiscordRest } from '../../../src/bots/discord/client.ts';
import { createDiscordReporter } from '../../../src/bots/discord/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import type { PipelineClients } from '../../../src/pipeline/clients/index.ts';
import { BOSS_SCHEMA } from '../../../src/jobs/queue.ts';
import { OVERLOADED } from '../../fakes/anthropic.ts';
import { startBatchWorker, type BatchWorker } from '../../helpers/batch-worker.ts';
import { pollFor } from '../../helpers/poll.ts';
import { startServices, TEMPLATE, type Services } from '../../helpers/services.ts';
import { expectTemplateKept } from '../../helpers/template-kept.ts';
import { startHarness, type Harness } from './harness.ts';
import { batchOf, buttonsIn, emailPieceOf } from '../../helpers/discord-v2.ts';
import { MessageFlags } from 'discord.js';

const logger = silentLogger();
let h: Harness;
let services: Services;
let clients: PipelineClients;
let worker: BatchWorker['worker'];

beforeAll(async () => {
  [h, services] = await Promise.all([startHarness(), startServices()]);
  const rest = createDiscordRest({ token: h.fake.token, apiUrl: h.fake.apiUrl });
  ({ worker, clients } = await startBatchWorker({
    pool: h.db.pool,
    boss: h.queue.boss,
    services,
    logger,
    reporter: createDiscordReporter({ rest, logger }),
    batchReporters: { discord: createDiscordBatchReporter({ rest, logger }) },
  }));
}, 60_000);

afterAll(async () => {
  await worker?.stop(10_000);
  await clients?.close();
  await services?.close();
  await h?.close();
});

const upload = (name: string, text: string) => h.fake.attach(name, text);

const until = <T>(get: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> =>
  pollFor(get, { message: what, timeout: timeoutMs });

const NAMES = Array.from({ length: 12 }, (_, i) => `Doctor ${String.fromCharCode(65 + i)} Sample`);
// Columns in the other order, quoted fields with commas: as a spreadsheet exports it.
const csv = (rows: string[]) => `interest,name\n${rows.join('\n')}\n`;
const GOOD = NAMES.map((n, i) => `"topic ${i}, with commas",${n}`);

it('refuses a CSV with bad rows by line number, then drafts 12 emails once each in the thread, table all ✅', async () => {
  const bad = csv([...GOOD.slice(0, 3), '"only an interest"', ...GOOD.slice(3, 9), ',', ...GOOD.slice(9), GOOD[0]!]);
  const first = h.fake.slashCommand({
    options: { template: TEMPLATE },
    attachments: { recipients: upload('bad.csv', bad) },
  });
  expect((await h.handled(first.id)).outcome).toBe('batch:invalid');
  const refusal = h.replyTo(first.id);
  expect(refusal).toContain('Nothing was started');
  expect(refusal).toContain('Line 5:');
  expect(refusal).toContain('Line 12:');
  expect(refusal).toContain('Line 16: the same recipient as line 2');
  expect((await h.db.pool.query('SELECT 1 FROM generations')).rows).toHaveLength(0);

  const second = h.fake.slashCommand({
    options: { template: TEMPLATE },
    attachments: { recipients: upload('good.csv', csv(GOOD)) },
  });
  expect((await h.handled(second.id)).outcome).toBe('batch:12');
  const parent = await until(
    () => h.fake.channelView(h.fake.channelId).find((m) => batchOf(m).title.includes('12 emails')),
    'the batch table',
  );
  const done = await until(
    () =>
      h.fake.channelView(h.fake.channelId).find((m) => m.id === parent.id && batchOf(m).title === '12 emails: 12 ✅'),
    'the table all ✅',
    90_000,
  );
  for (const name of NAMES) expect(batchOf(done).table).toContain(`✅ ${name} — `);
  expect(buttonsIn(done)).toEqual([]);
  // Components V2 from the first post to the last edit, who asked kept above the table.
  expect(batchOf(done).header).toBe(`Batch requested by <@${h.fake.people.ada.id}>`);
  expect(done.embeds).toEqual([]);
  expect(h.fake.message(done.id).flags! & MessageFlags.IsComponentsV2).toBeTruthy();

  const threadId = parent.threadId!;
  expect(threadId).toBeTruthy();
  const emails = h.fake.channelView(threadId).filter((m) => emailPieceOf(m).startsWith('Dear Dr.'));
  expect(emails).toHaveLength(12);
  // Each labelled with its recipient and place, outside the copyable content (which is the email alone).
  for (const [i, name] of NAMES.entries()) {
    const mine = emails.filter((m) => m.text.startsWith(`-# ✉️ To ${name} · ${i + 1} of 12`));
    expect(mine).toHaveLength(1);
    expect(emailPieceOf(mine[0]!)).not.toContain(name);
    // The email's text display is the email itself: the template's fixed text byte for byte.
    expectTemplateKept(emailPieceOf(mine[0]!), TEMPLATE);
  }
  const { rows } = await h.db.pool.query<{ recipient_name: string; result_message_ids: string[]; thread_id: string }>(
    'SELECT recipient_name, result_message_ids, thread_id FROM generations ORDER BY batch_position',
  );
  expect(rows.map((r) => r.recipient_name)).toEqual(NAMES);
  // Exactly once: each row's recorded result messages are its only ones in the thread.
  const recorded = rows.flatMap((r) => r.result_message_ids);
  expect(new Set(recorded).size).toBe(recorded.length);
  expect(rows.every((r) => r.thread_id === threadId)).toBe(true);
}, 150_000);

it('shows a failing recipient on the table, with the failure said in the thread (the form)', async () => {
  services.anthropic.respond((req) =>
    req.model.includes('sonnet') && JSON.stringify(req.messages).includes('Broken Babbage')
      ? { text: 'nope' }
      : undefined,
  );
  try {
    const command = h.fake.slashCommand({ options: { action: 'batch' } });
    expect((await h.handled(command.id)).outcome).toBe('batch-modal');
    const submitted = h.fake.submitModal(command.id, {
      template: TEMPLATE,
      recipients: 'Working Person | steam\nBroken Babbage | difference engines',
    });
    expect((await h.handled(submitted.id)).outcome).toBe('batch:2');
    const table = await until(
      () => h.fake.channelView(h.fake.channelId).find((m) => batchOf(m).title === '2 emails: 1 ✅ 1 ❌'),
      'the table with one failure',
      90_000,
    );
    expect(batchOf(table).table).toContain('❌ Broken Babbage');
    const thread = h.fake.channelView(table.threadId!);
    expect(thread.filter((m) => m.text.startsWith('❌'))).toHaveLength(1);
    expect(thread.filter((m) => emailPieceOf(m).startsWith('Dear Dr.'))).toHaveLength(1);
  } finally {
    services.anthropic.respond(() => undefined);
  }
}, 120_000);

it('a passing failure in step 4 shows ❌ with Retry on its failure reply; Retry resumes it to ✅, no new research', async () => {
  // One try per job, so the failure is final at once (the queue's policy is read when a job is sent).
  await h.db.pool.query(`UPDATE ${BOSS_SCHEMA}.queue SET retry_limit = 0 WHERE name = 'scribe.generate'`);
  let broken = true;
  services.anthropic.respond((req) =>
    broken && req.model.includes('sonnet') && JSON.stringify(req.messages).includes('Overloaded Ovid')
      ? { error: OVERLOADED }
      : undefined,
  );
  try {
    const command = h.fake.slashCommand({ options: { action: 'batch' } });
    expect((await h.handled(command.id)).outcome).toBe('batch-modal');
    const submitted = h.fake.submitModal(command.id, {
      template: TEMPLATE,
      recipients: 'Fine Fellow | steam\nOverloaded Ovid | metamorphoses\nAnother Fine | looms',
    });
    expect((await h.handled(submitted.id)).outcome).toBe('batch:3');
    const table = await until(
      () => h.fake.channelView(h.fake.channelId).find((m) => batchOf(m).title === '3 emails: 2 ✅ 1 ❌'),
      'the table with one failure',
      90_000,
    );
    const threadId = table.threadId!;
    const failure = h.fake.channelView(threadId).find((m) => m.text.startsWith('❌') && m.text.includes('Press Retry'));
    expect(failure).toBeDefined();
    const { rows } = await h.db.pool.query<{ id: string }>(
      "SELECT id FROM generations WHERE recipient_name = 'Overloaded Ovid'",
    );
    const retry = `scribe:retry:${rows[0]!.id}`;
    expect(JSON.stringify(failure!.components)).toContain(retry);

    // Only the requester (or an admin) may press it.
    const other = h.fake.pressButton(failure!.id, retry, { user: h.fake.people.grace });
    expect((await h.handled(other.id)).outcome).toBe('not-allowed');

    broken = false;
    // Slow enough to see the row waiting again before it is done.
    services.anthropic.latencyFor['claude-sonnet-5-5'] = 1_500;
    const before = {
      parse: services.anthropic.callsFor('parsed_template').length,
      exa: services.exa.requests.length,
      arxiv: services.arxiv.requests.length,
    };
    const pressed = h.fake.pressButton(failure!.id, retry);
    expect((await h.handled(pressed.id)).outcome).toBe('retrying');
    const waiting = h.fake.channelView(h.fake.channelId).find((m) => m.id === table.id)!;
    expect(batchOf(waiting).table).toMatch(/(⏳|✍️) Overloaded Ovid/);
    await until(
      () =>
        h.fake.channelView(h.fake.channelId).find((m) => m.id === table.id && batchOf(m).title === '3 emails: 3 ✅'),
      'the table all ✅ after the retry',
      60_000,
    );
    expect({
      parse: services.anthropic.callsFor('parsed_template').length,
      exa: services.exa.requests.length,
      arxiv: services.arxiv.requests.length,
    }).toEqual(before);
    const emails = () => h.fake.channelView(threadId).filter((m) => m.text.startsWith('-# ✉️ To Overloaded Ovid'));
    expect(emails()).toHaveLength(1);

    // Pressed again: nothing more happens.
    const again = h.fake.pressButton(failure!.id, retry);
    expect(['duplicate', 'nothing-to-do']).toContain((await h.handled(again.id)).outcome);
    expect(emails()).toHaveLength(1);
  } finally {
    services.anthropic.respond(() => undefined);
    delete services.anthropic.latencyFor['claude-sonnet-5-5'];
  }
}, 150_000);

it('asks once where a personal line goes for a batch whose template has no recipient placeholder; "none" spends nothing', async () => {
  const { grace } = h.fake.people;
  const written = 'Dear colleague,\n\nYou are invited to our workshop in May.\n\nBest regards,\n[Your Name]';
  const rows = csv(['steam,Working Person', 'engines,Other Person']);
  const rowCount = async () => (await h.db.pool.query('SELECT 1 FROM generations')).rows.length;
  const before = await rowCount();
  const posts = h.fake.channelView(h.fake.channelId).length;

  const asked = h.fake.slashCommand({
    user: grace,
    options: { template: written },
    attachments: { recipients: upload('plain.csv', rows) },
  });
  expect((await h.handled(asked.id)).outcome).toBe('batch:no-recipient-slot');
  expect(h.replyTo(asked.id)).toContain('none for the recipient');
  expect(h.replyTo(asked.id)).toContain('Nothing was started');
  expect(await rowCount()).toBe(before);
  expect(h.fake.channelView(h.fake.channelId)).toHaveLength(posts);

  // The batch form asks the same, on its own field.
  const form = h.fake.slashCommand({ user: grace, options: { action: 'batch' } });
  expect((await h.handled(form.id)).outcome).toBe('batch-modal');
  const submitted = h.fake.submitModal(form.id, { template: written, recipients: 'Working Person | steam' });
  expect((await h.handled(submitted.id)).outcome).toBe('batch:no-recipient-slot');
  expect(await rowCount()).toBe(before);

  const calls = () => ({ anthropic: services.anthropic.requests.length, exa: services.exa.requests.length });
  const spent = calls();
  const none = h.fake.slashCommand({
    user: grace,
    options: { template: written, personal_line: 'none' },
    attachments: { recipients: upload('plain.csv', rows) },
  });
  expect((await h.handled(none.id)).outcome).toBe('batch:2');
  const table = await until(
    () => h.fake.channelView(h.fake.channelId).find((m) => batchOf(m).title === '2 emails: 2 ✅'),
    'the table all ✅',
    90_000,
  );
  const emails = h.fake.channelView(table.threadId!).filter((m) => emailPieceOf(m).startsWith('Dear colleague'));
  expect(emails.map((m) => emailPieceOf(m))).toEqual([written, written]);
  expect(calls()).toEqual(spent);
}, 120_000);

it('a single /scribe with no recipient placeholder: asked before anything is posted; "none" spends nothing; a choice places the line', async () => {
  const { grace } = h.fake.people;
  const written = 'Dear colleague,\n\nYou are invited to our workshop in May.\n\nBest regards,\n[Your Name]';
  const recipient = { recipient_name: 'Dr. Ada Lovelace', recipient_interest: 'analytical engines' };
  const publicMessages = () => h.fake.channelView(h.fake.channelId).filter((m) => !m.ephemeral);
  const posts = publicMessages().length;

  // The form: the question answers the submission, with buttons; nothing is posted.
  const form = h.fake.slashCommand({ user: grace });
  expect((await h.handled(form.id)).outcome).toBe('modal');
  const asked = h.fake.submitModal(form.id, { template: written, ...recipient });
  expect((await h.handled(asked.id)).outcome).toBe('no-recipient-slot');
  const question = (await h.fake.nextCallback(asked.id)).data as { content?: string; flags?: number };
  expect(question.content).toContain('none for the recipient');
  expect(question.content).toContain('What you typed is kept');
  expect(question.flags).toBe(64);
  const questionId = h.fake.interactions.get(asked.id)!.originalMessageId!;
  const buttons = () =>
    (h.fake.message(questionId).components ?? []).flatMap((row) =>
      'components' in row ? (row.components as { label?: string; custom_id?: string }[]) : [],
    );
  expect(buttons().map((b) => b.label)).toEqual(['After the greeting', 'Before the sign-off', 'No personal line']);
  // The inline command: the same question, naming the option.
  const inline = h.fake.slashCommand({ user: grace, options: { template: written, ...recipient } });
  expect((await h.handled(inline.id)).outcome).toBe('no-recipient-slot');
  expect(((await h.fake.nextCallback(inline.id)).data as { content?: string }).content).toContain('`personal_line`');
  expect(publicMessages()).toHaveLength(posts);

  // "none": the template as written, with no model call and no search.
  const calls = () => ({ anthropic: services.anthropic.requests.length, exa: services.exa.requests.length });
  const spent = calls();
  const none = h.fake.slashCommand({
    user: grace,
    options: { template: written, ...recipient, personal_line: 'none' },
  });
  expect((await h.handled(none.id)).outcome).toBe('started');
  const thread = publicMessages().at(-1)!.threadId!;
  const email = await until(
    () => h.fake.channelView(thread).find((m) => emailPieceOf(m).startsWith('Dear colleague')),
    'the email as written',
  );
  expect(emailPieceOf(email)).toBe(written);
  expect(calls()).toEqual(spent);

  // The question's buttons start what was typed in the form, through the same start: nothing retyped.
  // Meanwhile the template was kept: a new form opens with it.
  const reopened = h.fake.slashCommand({ user: grace });
  expect((await h.handled(reopened.id)).outcome).toBe('modal');
  expect(JSON.stringify((await h.fake.nextCallback(reopened.id)).data)).toContain(JSON.stringify(written));
  const beforeSignoff = buttons().find((b) => b.label === 'Before the sign-off')!.custom_id!;
  const notHers = h.fake.pressButton(questionId, beforeSignoff, { user: h.fake.people.ada });
  expect((await h.handled(notHers.id)).outcome).toBe('refused:not-yours');
  const postsBefore = publicMessages().length;
  const answered = h.fake.pressButton(questionId, beforeSignoff, { user: grace });
  expect((await h.handled(answered.id)).outcome).toBe('started');
  const fromQuestion = await h.generationByProgress(publicMessages().slice(postsBefore)[0]!.id);
  expect(fromQuestion).toMatchObject({
    recipientName: recipient.recipient_name,
    recipientInterest: recipient.recipient_interest,
    template:
      'Dear colleague,\n\nYou are invited to our workshop in May.\n\n[personal line]\n\nBest regards,\n[Your Name]',
  });
  // The question became the start's answer, its buttons gone (a held request starts once: held-request.test.ts).
  expect(h.fake.message(questionId).content).toContain('Drafting your email to **Dr. Ada Lovelace**');
  expect(buttons()).toEqual([]);

  // The form's select: the line goes where chosen.
  const again = h.fake.slashCommand({ user: grace });
  expect((await h.handled(again.id)).outcome).toBe('modal');
  const chosen = h.fake.submitModal(again.id, { template: written, ...recipient, personal_line: 'before-signoff' });
  expect((await h.handled(chosen.id)).outcome).toBe('started');
  const generation = await h.generationByProgress(publicMessages().at(-1)!.id);
  expect(generation?.template).toBe(
    'Dear colleague,\n\nYou are invited to our workshop in May.\n\n[personal line]\n\nBest regards,\n[Your Name]',
  );
}, 120_000);

// Last: it stops the worker.
it('Cancel batch stops the rows not yet started; only the requester may press it', async () => {
  await worker.stop(10_000);
  const command = h.fake.slashCommand({ options: { action: 'batch' } });
  await h.handled(command.id);
  const submitted = h.fake.submitModal(command.id, {
    template: TEMPLATE,
    recipients: 'Waiting One | a\nWaiting Two | b\nWaiting Three | c',
  });
  expect((await h.handled(submitted.id)).outcome).toBe('batch:3');
  const table = await until(
    () => h.fake.channelView(h.fake.channelId).find((m) => batchOf(m).title.startsWith('Drafting 3 emails')),
    'the new table',
  );
  const button = JSON.stringify(table.components).match(/scribe:batch-cancel:[0-9a-f-]{36}/)![0];
  const other = h.fake.pressButton(table.id, button, { user: h.fake.people.grace });
  expect((await h.handled(other.id)).outcome).toBe('not-allowed');
  const pressed = h.fake.pressButton(table.id, button);
  expect((await h.handled(pressed.id)).outcome).toBe('cancelled:3');
  const after = h.fake.channelView(h.fake.channelId).find((m) => m.id === table.id)!;
  expect(batchOf(after).title).toBe('3 emails: 3 🚫');
  expect(buttonsIn(after)).toEqual([]);
}, 60_000);
