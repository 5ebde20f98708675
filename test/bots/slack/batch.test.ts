/**
 * A batch on Slack end to end, in process: real Bolt on HTTP against the fake Slack, real
 * Postgres and pg-boss, the worker with the real Slack reporters against the fake services.
 * `/scribe batch` → 15 lines with 3 bad ones refused on the form (by line number) → fixed → one
 * parent table edited to all ✅ and 12 emails, each exactly once, in its thread, each labelled with
 * its recipient and place; then the quota; then a recipient failing in step 4, retried from its
 * failure reply's Retry button.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BATCH_CANCEL_ID } from '../../../src/bots/slack/batch-render.ts';
import { createSlackBatchReporter } from '../../../src/bots/slack/batch-reporter.ts';
import { createSlackClient } from '../../../src/bots/slack/client.ts';
import { createSlackReporter } from '../../../src/bots/slack/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import type { PipelineClients } from '../../../src/pipeline/clients/index.ts';
import { BOSS_SCHEMA } from '../../../src/jobs/queue.ts';
import { OVERLOADED } from '../../fakes/anthropic.ts';
import { startBatchWorker, type BatchWorker } from '../../helpers/batch-worker.ts';
import { startServices, TEMPLATE, type Services } from '../../helpers/services.ts';
import { expectTemplateKept } from '../../helpers/template-kept.ts';
import { RETRY, startHarness, type Harness } from './harness.ts';

const logger = silentLogger();
let h: Harness;
let services: Services;
let clients: PipelineClients;
let worker: BatchWorker['worker'];

beforeAll(async () => {
  [h, services] = await Promise.all([startHarness(), startServices()]);
  const client = createSlackClient(
    { botToken: h.fake.botToken, apiUrl: h.fake.apiUrl },
    { logger, retryConfig: RETRY },
  );
  ({ worker, clients } = await startBatchWorker({
    pool: h.db.pool,
    boss: h.queue.boss,
    services,
    logger,
    reporter: createSlackReporter({ client, logger }),
    batchReporters: { slack: createSlackBatchReporter({ client, logger }) },
  }));
}, 60_000);

afterAll(async () => {
  await worker?.stop(10_000);
  await clients?.close();
  await services?.close();
  await h?.close();
});

const NAMES = Array.from({ length: 12 }, (_, i) => `Professor ${String.fromCharCode(65 + i)}. Example`);
const GOOD = NAMES.map((n, i) => `${n} | research topic ${i}`);

async function openBatchModal(user: string) {
  const command = await h.slack.slashCommand({ user, channel: 'C0GENERAL', text: 'batch' });
  expect((await h.handled(command.triggerId)).outcome).toBe('batch-modal');
}

it('refuses bad lines first, then drafts 12 emails in one thread with one table that ends all ✅', async () => {
  await openBatchModal('U0ADA');
  const withErrors = [
    ...GOOD.slice(0, 4),
    'no separator',
    ...GOOD.slice(4, 8),
    ' | no name',
    ...GOOD.slice(8),
    GOOD[0],
  ];
  const first = await h.slack.submitView({
    user: 'U0ADA',
    values: { template: TEMPLATE, recipients: withErrors.join('\n') },
  });
  expect((await h.handled(first.viewId)).outcome).toBe('invalid');
  const errors = h.fake.views('U0ADA', true).find((v) => v.id === first.viewId)?.errors;
  expect(errors?.recipients).toContain('Line 5:');
  expect(errors?.recipients).toContain('Line 10:');
  expect(errors?.recipients).toContain('Line 15: the same recipient as line 1');
  // Nothing was started or posted.
  expect((await h.db.pool.query('SELECT 1 FROM generations')).rows).toHaveLength(0);
  expect(h.fake.messagesIn('C0GENERAL')).toHaveLength(0);

  const second = await h.slack.submitView({
    user: 'U0ADA',
    viewId: first.viewId,
    values: { template: TEMPLATE, recipients: GOOD.join('\n') },
  });
  expect((await h.handled(second.viewId, 2)).outcome).toBe('batch:12');

  const parent = await h.fake.until(
    () => h.fake.messagesIn('C0GENERAL').find((m) => m.fromBot && !m.streamed && m.visible.includes('12 emails')),
    'the batch table',
    10_000,
  );
  const final = await h.fake.until(
    () => h.fake.messagesIn('C0GENERAL').find((m) => m.ts === parent.ts && m.visible.includes('12 emails: 12 ✅')),
    'the table all ✅',
    90_000,
  );
  for (const name of NAMES) expect(final.visible).toMatch(new RegExp(`✅ ${name.replace('.', '\\.')} — \\d+\\.\\d s`));
  expect(JSON.stringify(final.blocks)).not.toContain(BATCH_CANCEL_ID);
  // Edited as rows finished, but coalesced: far fewer edits than 24 state changes.
  expect(final.versions.length).toBeGreaterThan(1);
  expect(final.versions.length).toBeLessThan(24);

  // Each email exactly once in the thread, labelled with its recipient, with the result buttons.
  const replies = h.fake.messagesIn('C0GENERAL', parent.ts).filter((m) => m.fromBot && !m.streamed && m.metadata);
  expect(replies).toHaveLength(12);
  for (const name of NAMES) {
    const mine = replies.filter((m) => m.visible.includes(`Email to ${name}`));
    expect(mine).toHaveLength(1);
    // Labelled above the email with its recipient and its place in the batch.
    const place = NAMES.indexOf(name) + 1;
    expect(JSON.stringify(mine[0]!.blocks?.[0])).toContain(`Email to ${name}* · ${place} of 12`);
    expect(JSON.stringify(mine[0]!.blocks)).toContain('scribe_regenerate');
  }
  // Every stored email (what Copy gives) keeps the template's fixed text byte for byte.
  const stored = await h.db.pool.query<{ email: string }>(
    'SELECT email FROM generations WHERE batch_id IS NOT NULL AND email IS NOT NULL',
  );
  expect(stored.rows.length).toBeGreaterThanOrEqual(12);
  for (const { email } of stored.rows) expectTemplateKept(email, TEMPLATE);
}, 150_000);

it('refuses a batch larger than the quota left, whole, with the numbers', async () => {
  // 12 of the 20 are used: 9 recipients is one too many.
  await openBatchModal('U0ADA');
  const submitted = await h.slack.submitView({
    user: 'U0ADA',
    values: {
      template: TEMPLATE,
      recipients: GOOD.slice(0, 9)
        .map((l) => `${l} again`)
        .join('\n'),
    },
  });
  expect((await h.handled(submitted.viewId)).outcome).toBe('quota');
  const notice = h.fake.views('U0ADA', true).find((v) => v.id === submitted.viewId);
  expect(JSON.stringify(notice?.view.blocks)).toContain(
    'This batch has 9 recipients, but you have 8 of your 20 emails left',
  );
  const { rows } = await h.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM generations');
  expect(rows[0]!.n).toBe(12);
}, 30_000);

it('a recipient failing in step 4 shows ❌, its failure reply has Retry; Retry resumes it to ✅ with no new research', async () => {
  // One try per job, so the failure is final at once (the queue's policy is read when a job is sent).
  await h.db.pool.query(`UPDATE ${BOSS_SCHEMA}.queue SET retry_limit = 0 WHERE name = 'scribe.generate'`);
  let broken = true;
  services.anthropic.respond((req) =>
    broken && req.model.includes('sonnet') && JSON.stringify(req.messages).includes('Broken Babbage')
      ? { error: OVERLOADED }
      : undefined,
  );
  try {
    await openBatchModal('U0GRACE');
    const submitted = await h.slack.submitView({
      user: 'U0GRACE',
      values: {
        template: TEMPLATE,
        recipients: 'Working Person | steam\nBroken Babbage | difference engines\nThird Person | looms',
      },
    });
    expect((await h.handled(submitted.viewId)).outcome).toBe('batch:3');
    const table = await h.fake.until(
      () =>
        h.fake
          .messagesIn('C0GENERAL')
          .find((m) => m.fromBot && !m.streamed && m.visible.includes('3 emails: 2 ✅ 1 ❌')),
      'the table with one failure',
      90_000,
    );
    expect(table.visible).toContain('❌ Broken Babbage');
    const failure = h.fake
      .messagesIn('C0GENERAL', table.ts)
      .find((m) => m.fromBot && !m.streamed && m.visible.startsWith('❌') && m.visible.includes('Press Retry'));
    expect(failure).toBeDefined();
    expect(JSON.stringify(failure!.blocks)).toContain('scribe_retry');
    const { rows } = await h.db.pool.query<{ id: string }>(
      "SELECT id FROM generations WHERE recipient_name = 'Broken Babbage'",
    );
    expect(JSON.stringify(failure!.blocks)).toContain(rows[0]!.id);

    // Only the requester (or an admin) may press it.
    const other = await h.slack.clickButton({
      user: 'U0ADA',
      channel: 'C0GENERAL',
      ts: failure!.ts,
      actionId: 'scribe_retry',
    });
    expect((await h.handled(other.triggerId)).outcome).toBe('not-allowed');

    broken = false;
    const before = {
      parse: services.anthropic.callsFor('parsed_template').length,
      exa: services.exa.requests.length,
      arxiv: services.arxiv.requests.length,
    };
    const versionsBefore = table.versions.length;
    const pressed = await h.slack.clickButton({
      user: 'U0GRACE',
      channel: 'C0GENERAL',
      ts: failure!.ts,
      actionId: 'scribe_retry',
    });
    expect((await h.handled(pressed.triggerId)).outcome).toBe('retrying');
    const done = await h.fake.until(
      () => h.fake.messagesIn('C0GENERAL').find((m) => m.ts === table.ts && m.visible.includes('3 emails: 3 ✅')),
      'the table all ✅ after the retry',
      60_000,
    );
    // The row went back to waiting (or writing) before it was done.
    const later = done.versions.slice(versionsBefore).map((v) => JSON.stringify(v.blocks));
    expect(later.some((b) => /(⏳|✍️) Broken Babbage/.test(b))).toBe(true);
    // Resumed after its last saved step: no new parser, Exa or arXiv calls.
    expect({
      parse: services.anthropic.callsFor('parsed_template').length,
      exa: services.exa.requests.length,
      arxiv: services.arxiv.requests.length,
    }).toEqual(before);
    const emails = h.fake
      .messagesIn('C0GENERAL', table.ts)
      .filter((m) => m.fromBot && !m.streamed && m.metadata && m.visible.includes('Email to Broken Babbage'));
    expect(emails).toHaveLength(1);

    // Pressed again (within the collapse window, or after): nothing more happens.
    const again = await h.slack.clickButton({
      user: 'U0GRACE',
      channel: 'C0GENERAL',
      ts: failure!.ts,
      actionId: 'scribe_retry',
    });
    expect(['duplicate', 'nothing-to-do']).toContain((await h.handled(again.triggerId)).outcome);
    expect(
      h.fake.messagesIn('C0GENERAL', table.ts).filter((m) => m.metadata && m.visible.includes('Broken Babbage')),
    ).toHaveLength(1);
  } finally {
    services.anthropic.respond(() => undefined);
  }
}, 150_000);

it('the /scribe form switches to "Several recipients" in place, keeping the template typed, and back; the batch form starts a batch', async () => {
  const user = 'U0LINUS';
  const channel = 'C0MODES';
  const typed = `${TEMPLATE}\n\nP.S. typed in the form, not saved anywhere yet.`;
  const templateOf = (view: { blocks: unknown[] } | undefined) =>
    (view?.blocks as Array<{ block_id?: string; element?: { initial_value?: string } }> | undefined)?.find(
      (b) => b.block_id === 'template',
    )?.element?.initial_value;
  const command = await h.slack.slashCommand({ user, channel, text: '' });
  expect((await h.handled(command.triggerId)).outcome).toBe('modal');
  const [single] = h.fake.views(user);
  expect(single?.view.callback_id).toBe('scribe_draft');
  const hashBefore = single!.hash;

  // "Several recipients →" with a template and a name typed: the same view becomes the batch form.
  const toBatch = await h.slack.clickViewButton({
    user,
    viewId: single!.id,
    actionId: 'scribe_mode_batch',
    values: { template: typed, recipient_name: 'Dr. Ada Lovelace' },
  });
  expect(toBatch.status).toBe(200);
  expect((await h.handled(toBatch.triggerId)).outcome).toBe('mode:batch');
  expect(h.fake.callsTo('views.update').at(-1)?.args).toMatchObject({ view_id: single!.id, hash: hashBefore });
  const [batch] = h.fake.views(user);
  expect(batch?.id).toBe(single!.id);
  expect(batch?.view.callback_id).toBe('scribe_batch');
  expect(templateOf(batch?.view)).toBe(typed);
  expect(JSON.parse(String(batch?.view.private_metadata))).toMatchObject({ channel, responseUrl: command.responseUrl });

  // "← One recipient" goes back, with the template as edited in the batch form.
  const edited = `${typed}\nEdited in the batch form.`;
  const back = await h.slack.clickViewButton({ user, actionId: 'scribe_mode_single', values: { template: edited } });
  expect((await h.handled(back.triggerId)).outcome).toBe('mode:single');
  const [again] = h.fake.views(user);
  expect(again?.view.callback_id).toBe('scribe_draft');
  expect(templateOf(again?.view)).toBe(edited);

  // A payload from a view that has changed since (its old hash) leaves the newer view as it is.
  const stale = await h.slack.send('interactive', { ...toBatch.payload, trigger_id: `${toBatch.triggerId}x` });
  expect(stale.status).toBe(200);
  expect((await h.handled(`${toBatch.triggerId}x`)).outcome).toBe('mode:stale');
  expect(h.fake.views(user)[0]?.view.callback_id).toBe('scribe_draft');

  // And forth again; submitting the batch form starts a batch in the channel /scribe was run in.
  const forth = await h.slack.clickViewButton({ user, actionId: 'scribe_mode_batch', values: { template: edited } });
  expect((await h.handled(forth.triggerId)).outcome).toBe('mode:batch');
  const submitted = await h.slack.submitView({
    user,
    values: { template: edited, recipients: 'Mode Person One | steam\nMode Person Two | looms' },
  });
  expect((await h.handled(submitted.viewId)).outcome).toBe('batch:2');
  expect(h.fake.views(user)).toHaveLength(0);
  await h.fake.until(
    () => h.fake.messagesIn(channel).find((m) => m.fromBot && !m.streamed && m.visible.includes('2 emails: 2 ✅')),
    'the switched-to batch all ✅',
    60_000,
  );
}, 90_000);

it('asks once on the batch form where a personal line goes when the template has no recipient placeholder', async () => {
  const written = 'Dear colleague,\n\nYou are invited to our workshop in May.\n\nBest regards,\n[Your Name]';
  await openBatchModal('U0GRACE');
  const posts = h.fake.callsTo('chat.postMessage').length;
  const values = { template: written, recipients: 'Plain Alpha | steam\nPlain Beta | engines' };
  const asked = await h.slack.submitView({ user: 'U0GRACE', values });
  expect(asked.body).toMatchObject({ response_action: 'errors' });
  expect((asked.body as { errors: Record<string, string> }).errors.personal_line).toContain('none for the recipient');
  expect((await h.handled(asked.viewId)).outcome).toBe('no-recipient-slot');
  expect(h.fake.callsTo('chat.postMessage')).toHaveLength(posts);

  const chosen = await h.slack.submitView({ user: 'U0GRACE', values: { ...values, personal_line: 'after-greeting' } });
  expect((await h.handled(chosen.viewId, 2)).outcome).toBe('batch:2');
  const { rows } = await h.db.pool.query<{ template: string }>(
    "SELECT template FROM generations WHERE recipient_name IN ('Plain Alpha', 'Plain Beta')",
  );
  expect(rows.map((r) => r.template)).toEqual([
    'Dear colleague,\n\n[personal line]\n\nYou are invited to our workshop in May.\n\nBest regards,\n[Your Name]',
    'Dear colleague,\n\n[personal line]\n\nYou are invited to our workshop in May.\n\nBest regards,\n[Your Name]',
  ]);
}, 60_000);
