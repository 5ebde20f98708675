/**
 * New versions from Slack: :repeat: reactions and the result's buttons, who may ask, and the
 * guarantees against duplicates (a redelivered event_id, a restart in between, quick repeats).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackBotDeps } from '../../../src/bots/slack/deps.ts';
import { createRecentKeys } from '../../../src/requests/recent-keys.ts';
import { handleReaction } from '../../../src/bots/slack/handlers.ts';
import { RESULT_BUTTON_IDS as ACTIONS } from '../../../src/bots/slack/ids.ts';
import type { Generation } from '../../../src/db/generations.ts';
import { createGeneration } from '../../../src/requests/commit/start.ts';
import { INSTRUCTIONS } from '../../../src/requests/commit/versions.ts';
import { silentLogger } from '../../../src/log.ts';
import { startHarness, DAILY_QUOTA, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ mode: 'http' });
});

afterAll(async () => {
  await h?.close();
});

/** A finished email by `user`: its row and its result message's ts. */
async function finishedEmail(user = 'U0ADA'): Promise<{ parent: Generation; resultTs: string }> {
  const { outcome } = await h.draft({ user });
  expect(outcome).toBe('started:channel');
  const progress = h.fake
    .messagesIn('C0GENERAL')
    .filter((m) => m.fromBot && !m.streamed)
    .at(-1)!;
  const parent = (await h.generationByProgress(progress.ts))!;
  const [resultTs] = await h.succeed(parent);
  return { parent, resultTs: resultTs! };
}

const threadOf = (g: Generation) => h.fake.messagesIn(g.channelId!, g.threadId!);

describe('Slack regeneration', () => {
  it('a :repeat: by the requester writes version 2 in the same thread', async () => {
    const { parent, resultTs } = await finishedEmail();
    const reaction = await h.slack.react({ user: 'U0ADA', channel: 'C0GENERAL', ts: resultTs, reaction: 'repeat' });
    expect(reaction.status).toBe(200);
    expect(await h.handled(reaction.eventId)).toMatchObject({ outcome: 'started' });
    const [child] = await h.children(parent.id);
    const progress = threadOf(parent).at(-1)!;
    expect(progress.text).toBe('Drafting an email to Dr. Ada Lovelace (version 2)');
    expect(child).toMatchObject({
      version: 2,
      channelId: parent.channelId,
      threadId: parent.threadId,
      progressMessageId: progress.ts,
      instruction: null,
    });
    expect(await h.jobsFor(child!.id)).toHaveLength(1);
  });

  it('ignores someone else’s reaction, but lets a workspace admin regenerate', async () => {
    const { parent, resultTs } = await finishedEmail();
    const before = threadOf(parent).length;
    const grace = await h.slack.react({ user: 'U0GRACE', channel: 'C0GENERAL', ts: resultTs, reaction: 'repeat' });
    expect(await h.handled(grace.eventId)).toMatchObject({ outcome: 'ignored:not-allowed' });
    expect(await h.children(parent.id)).toHaveLength(0);
    expect(threadOf(parent)).toHaveLength(before);
    expect(h.fake.ephemeralsFor('U0GRACE', 'C0GENERAL').filter((e) => e.via === 'chat.postEphemeral')).toHaveLength(0);

    const admin = await h.slack.react({
      user: 'U0ADMIN',
      channel: 'C0GENERAL',
      ts: resultTs,
      reaction: 'arrows_counterclockwise',
    });
    expect(await h.handled(admin.eventId)).toMatchObject({ outcome: 'started' });
    expect(await h.children(parent.id)).toHaveLength(1);
    expect(h.fake.callsTo('users.info').map((c) => c.args.user)).toEqual(['U0GRACE', 'U0ADMIN']);
  });

  it('ignores other emoji and reactions on messages that are not results', async () => {
    const { parent, resultTs } = await finishedEmail();
    const thumbs = await h.slack.react({ user: 'U0ADA', channel: 'C0GENERAL', ts: resultTs, reaction: '+1' });
    expect(await h.handled(thumbs.eventId)).toMatchObject({ outcome: 'ignored:emoji' });
    const onProgress = await h.slack.react({
      user: 'U0ADA',
      channel: 'C0GENERAL',
      ts: parent.progressMessageId!,
      reaction: 'repeat',
    });
    expect(await h.handled(onProgress.eventId)).toMatchObject({ outcome: 'ignored:not-a-result' });
    expect(await h.children(parent.id)).toHaveLength(0);
  });

  it('starts one version for one event_id, however often and wherever Slack redelivers it', async () => {
    const { parent, resultTs } = await finishedEmail();
    const first = await h.slack.react({ user: 'U0ADA', channel: 'C0GENERAL', ts: resultTs, reaction: 'recycle' });
    expect(await h.handled(first.eventId)).toMatchObject({ outcome: 'started' });
    const again = await h.slack.send('event', first.payload, { retry: { num: 1, reason: 'http_timeout' } });
    expect(again.status).toBe(200);
    expect(await h.handled(first.eventId, 2)).toMatchObject({ outcome: 'duplicate:event' });

    // The 5-minute redelivery reaching a process that never saw the event (another bot, or this one restarted).
    const event = first.payload.event as Record<string, unknown>;
    const fiveMinutesAgo = Date.now() / 1000 - 5 * 60;
    await h.db.pool.query(
      "UPDATE generations SET created_at = now() - interval '4 minutes 50 seconds' WHERE parent_id = $1",
      [parent.id],
    );
    const restarted = (): SlackBotDeps => ({
      pool: h.db.pool,
      boss: h.queue.boss,
      dailyQuota: DAILY_QUOTA,
      researchCacheTtlMs: 24 * 3600_000,
      client: h.bot.app.client,
      logger: silentLogger(),
      respond: async () => {},
      recentRequests: createRecentKeys(10_000),
      recentEvents: createRecentKeys(60_000),
    });
    const body = { ...first.payload, event: { ...event, event_ts: fiveMinutesAgo.toFixed(6) } };
    expect(await handleReaction(restarted(), { body })).toBe('duplicate');
    expect(await h.children(parent.id)).toHaveLength(1);

    // A new reaction later on (a new event) is a new request.
    const later = { ...body, event_id: 'Ev0LATER0001', event: { ...event, event_ts: (Date.now() / 1000).toFixed(6) } };
    expect(await handleReaction(restarted(), { body: later })).toBe('started');
    expect(await h.children(parent.id)).toHaveLength(2);
  });

  it('collapses a quick second request into the first', async () => {
    const { parent, resultTs } = await finishedEmail();
    const one = await h.slack.react({ user: 'U0ADA', channel: 'C0GENERAL', ts: resultTs, reaction: 'repeat' });
    const two = await h.slack.react({ user: 'U0ADA', channel: 'C0GENERAL', ts: resultTs, reaction: 'recycle' });
    const outcomes = [(await h.handled(one.eventId)).outcome, (await h.handled(two.eventId)).outcome];
    expect(outcomes.sort()).toEqual(['duplicate', 'started']);
    expect(await h.children(parent.id)).toHaveLength(1);
    expect(threadOf(parent).filter((m) => m.text.includes('(version 2)'))).toHaveLength(1);
  });

  it('buttons: Regenerate and Shorter start versions; someone else is told why not', async () => {
    const { parent, resultTs } = await finishedEmail();
    const regenerate = await h.slack.clickButton({
      user: 'U0ADA',
      channel: 'C0GENERAL',
      ts: resultTs,
      actionId: ACTIONS.regenerate,
    });
    expect(regenerate.status).toBe(200);
    expect(await h.handled(regenerate.triggerId)).toMatchObject({ outcome: 'started' });
    const shorter = await h.slack.clickButton({
      user: 'U0ADA',
      channel: 'C0GENERAL',
      ts: resultTs,
      actionId: ACTIONS.shorter,
    });
    expect(await h.handled(shorter.triggerId)).toMatchObject({ outcome: 'started' });
    const children = await h.children(parent.id);
    expect(children.map((c) => [c.version, c.instruction])).toEqual([
      [2, null],
      [3, INSTRUCTIONS.shorter],
    ]);
    expect(
      threadOf(parent)
        .slice(-2)
        .map((m) => m.text),
    ).toEqual([
      'Drafting an email to Dr. Ada Lovelace (version 2)',
      'Drafting an email to Dr. Ada Lovelace (version 3)',
    ]);

    const grace = await h.slack.clickButton({
      user: 'U0GRACE',
      channel: 'C0GENERAL',
      ts: resultTs,
      actionId: ACTIONS.regenerate,
    });
    expect(await h.handled(grace.triggerId)).toMatchObject({ outcome: 'not-allowed' });
    expect(h.fake.ephemeralsFor('U0GRACE').at(-1)).toMatchObject({
      via: 'response_url',
      text: 'Only <@U0ADA> or a workspace admin can regenerate it.',
    });
    expect(await h.children(parent.id)).toHaveLength(2);
    expect(threadOf(parent).find((m) => m.ts === resultTs)?.text).toContain('Hello.');
  });

  it('tells the requester privately, in the thread, when the quota is used up', async () => {
    const { parent, resultTs } = await finishedEmail('U0FULL');
    const deps = { pool: h.db.pool, boss: h.queue.boss, dailyQuota: DAILY_QUOTA };
    const user = { platform: 'slack' as const, teamId: parent.teamId, platformUserId: 'U0FULL' };
    for (let i = 1; i < DAILY_QUOTA; i++) {
      await createGeneration(deps, {
        user,
        request: { template: parent.template, recipientName: `Dr. ${i}`, recipientInterest: 'x' },
      });
    }
    const reaction = await h.slack.react({ user: 'U0FULL', channel: 'C0GENERAL', ts: resultTs, reaction: 'repeat' });
    expect(await h.handled(reaction.eventId)).toMatchObject({ outcome: 'quota' });
    expect(h.fake.ephemeralsFor('U0FULL', 'C0GENERAL').at(-1)).toMatchObject({
      via: 'chat.postEphemeral',
      threadTs: parent.threadId,
      text: expect.stringContaining(`You have used all ${DAILY_QUOTA} emails for today`),
    });
    expect(await h.children(parent.id)).toHaveLength(0);
  });

  it('Copy as plain text: the email alone, in a code block, for the presser only', async () => {
    const { resultTs } = await finishedEmail();
    const copy = await h.slack.clickButton({
      user: 'U0GRACE',
      channel: 'C0GENERAL',
      ts: resultTs,
      actionId: ACTIONS.copy,
    });
    expect(await h.handled(copy.triggerId)).toMatchObject({ outcome: 'copy' });
    const shown = h.fake.ephemeralsFor('U0GRACE').at(-1);
    expect(shown?.via).toBe('response_url');
    expect(JSON.stringify(shown?.blocks)).toContain('```Dear Dr. Ada Lovelace,\\n\\nHello.```');
  });

  it('Copy shows nothing from another workspace, or for another email than the message’s', async () => {
    const { resultTs } = await finishedEmail();
    const other = await finishedEmail();
    const elsewhere = await h.slack.clickButton({
      user: 'U0GRACE',
      channel: 'C0GENERAL',
      ts: resultTs,
      actionId: ACTIONS.copy,
      teamId: 'T0OTHER',
    });
    expect(await h.handled(elsewhere.triggerId)).toMatchObject({ outcome: 'copy:missing' });
    const forged = await h.slack.clickButton({
      user: 'U0GRACE',
      channel: 'C0GENERAL',
      ts: resultTs,
      actionId: ACTIONS.copy,
      value: other.parent.id,
    });
    expect(await h.handled(forged.triggerId)).toMatchObject({ outcome: 'copy:missing' });
    expect(h.fake.ephemeralsFor('U0GRACE').at(-1)?.text).toBe(
      'That email is not available any more. Run `/scribe` to write a new one.',
    );
  });
});
