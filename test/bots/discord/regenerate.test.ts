/**
 * New versions from Discord: 🔁/🔄 reactions and the result's buttons, through the real discord.js
 * client, the fake Discord, real Postgres and a real pg-boss queue. The worker is simulated by
 * posting a result with the reporter and recording it as succeeded.
 */
import { Routes } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordRest } from '../../../src/bots/discord/client.ts';
import type { DiscordBotDeps } from '../../../src/bots/discord/deps.ts';
import { actionPort } from '../../../src/bots/discord/port.ts';
import { requestRegeneration } from '../../../src/requests/act.ts';
import { COLLAPSE_MS } from '../../../src/requests/actions.ts';
import { createRecentKeys } from '../../../src/requests/recent-keys.ts';
import { getGeneration, type Generation } from '../../../src/db/generations.ts';
import { INSTRUCTIONS } from '../../../src/requests/commit/versions.ts';
import { silentLogger } from '../../../src/log.ts';
import { DAILY_QUOTA, startHarness, type Harness } from './harness.ts';
import { progressOf } from '../../helpers/discord-v2.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

async function childrenOf(parent: Generation): Promise<Generation[]> {
  const { rows } = await h.db.pool.query<{ id: string }>(
    'SELECT id FROM generations WHERE parent_id = $1 ORDER BY version',
    [parent.id],
  );
  return Promise.all(rows.map(async (r) => (await getGeneration(h.db.pool, r.id))!));
}

/** A finished email in its thread: the generation and its result message ids. */
async function finished(name: string): Promise<{ parent: Generation; resultIds: string[]; threadId: string }> {
  const { generation } = await h.draft({ name });
  const resultIds = await h.succeed(generation);
  return { parent: generation, resultIds, threadId: generation.threadId! };
}

const react = (messageId: string, emoji: string, user = h.fake.people.ada) => {
  h.fake.react(messageId, emoji, user);
  return h.handled(`${messageId}:${user.id}:${emoji}`);
};

describe('Discord regeneration', () => {
  it('🔁 by the requester on the result starts version 2 in the same thread', async () => {
    const { parent, resultIds, threadId } = await finished('Dr. Ada Lovelace');
    expect(await react(resultIds[0]!, '🔁')).toMatchObject({ outcome: 'started' });
    const [child] = await childrenOf(parent);
    expect(child).toMatchObject({
      parentId: parent.id,
      version: 2,
      channelId: parent.channelId,
      threadId,
      instruction: null,
      status: 'queued',
    });
    expect(await h.jobsFor(child!.id)).toHaveLength(1);
    const progress = h.fake.message(child!.progressMessageId!);
    expect(progress.channel_id).toBe(threadId);
    expect(progressOf(progress)).toMatchObject({
      header: `<@${h.fake.people.ada.id}> asked for a new version`,
      title: 'Drafting an email to Dr. Ada Lovelace (version 2)',
    });
  });

  it('ignores reactions by others, by the bot, with other emoji and on other messages', async () => {
    const { parent, resultIds, threadId } = await finished('Grace Hopper');
    const before = h.fake.channelView(threadId).length;
    expect(await react(resultIds[0]!, '🔁', h.fake.people.grace)).toMatchObject({ outcome: 'ignored:not-allowed' });
    expect(await react(resultIds[0]!, '👍')).toMatchObject({ outcome: 'ignored:emoji' });
    expect(await react(parent.progressMessageId!, '🔁')).toMatchObject({ outcome: 'ignored:not-a-result' });
    await createDiscordRest({ token: h.fake.token, apiUrl: h.fake.apiUrl }).put(
      Routes.channelMessageOwnReaction(threadId, resultIds[0]!, encodeURIComponent('🔄')),
    );
    expect(await h.handled(`${resultIds[0]}:${h.fake.applicationId}:🔄`)).toMatchObject({ outcome: 'ignored:bot' });
    expect(await childrenOf(parent)).toHaveLength(0);
    expect(h.fake.channelView(threadId)).toHaveLength(before);
  });

  it('lets a member with Manage Messages regenerate someone else’s email', async () => {
    const { parent, resultIds } = await finished('Emmy Noether');
    expect(await react(resultIds[0]!, '🔄', h.fake.people.mod)).toMatchObject({ outcome: 'started' });
    const [child] = await childrenOf(parent);
    expect(child?.userId).toBe(parent.userId); // still the requester's email and quota
  });

  it('collapses 🔁 and 🔄 from the same person into one new version', async () => {
    const { parent, resultIds } = await finished('Sophie Germain');
    h.fake.react(resultIds[0]!, '🔁');
    h.fake.react(resultIds[0]!, '🔄');
    const ada = h.fake.people.ada.id;
    const outcomes = await Promise.all(['🔁', '🔄'].map((e) => h.handled(`${resultIds[0]}:${ada}:${e}`)));
    expect(outcomes.map((o) => o.outcome).sort()).toEqual(['duplicate', 'started']);
    expect(await childrenOf(parent)).toHaveLength(1);
  });

  it('collapses duplicates in the database too, when two processes each let one through', async () => {
    const { parent, resultIds, threadId } = await finished('Mary Somerville');
    const before = h.fake.channelView(threadId).length;
    const deps = (): DiscordBotDeps => ({
      pool: h.db.pool,
      boss: h.queue.boss,
      dailyQuota: DAILY_QUOTA,
      researchCacheTtlMs: 3600_000,
      logger: silentLogger(),
      rest: createDiscordRest({ token: h.fake.token, apiUrl: h.fake.apiUrl }),
      guildIds: undefined,
      recentRequests: createRecentKeys(COLLAPSE_MS), // each "process" has its own memory
    });
    const ask = () => {
      const d = deps();
      return requestRegeneration(
        d,
        actionPort(d, h.fake.people.ada.id, async () => false),
        {
          generationId: parent.id,
          action: 'regenerate',
          messageId: resultIds[0]!,
          actor: { platform: 'discord', teamId: h.fake.guildId, platformUserId: h.fake.people.ada.id },
        },
      );
    };
    const outcomes = await Promise.all([ask(), ask()]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['duplicate', 'started']);
    expect(await childrenOf(parent)).toHaveLength(1);
    // The loser's progress message was removed again: one new message in the thread.
    expect(h.fake.channelView(threadId)).toHaveLength(before + 1);
  });

  it('Regenerate and Shorter buttons start new versions; others are told who may', async () => {
    const { parent, resultIds, threadId } = await finished('Ada Yonath');
    const last = resultIds.at(-1)!;
    const regenerate = h.fake.pressButton(last, `scribe:regenerate:${parent.id}`);
    expect(await h.handled(regenerate.id)).toMatchObject({ outcome: 'started' });
    expect((await h.fake.nextCallback(regenerate.id)).type).toBe(6); // deferred update: no "thinking" message

    const shorter = h.fake.pressButton(last, `scribe:shorter:${parent.id}`);
    expect(await h.handled(shorter.id)).toMatchObject({ outcome: 'started' });
    const children = await childrenOf(parent);
    expect(children.map((c) => c.instruction)).toEqual([null, INSTRUCTIONS.shorter]);
    expect(children.map((c) => c.version)).toEqual([2, 3]);
    expect(progressOf(h.fake.message(children[1]!.progressMessageId!)).header).toContain('asked for a shorter version');

    const grace = h.fake.people.grace;
    const refused = h.fake.pressButton(last, `scribe:regenerate:${parent.id}`, { user: grace });
    expect(await h.handled(refused.id)).toMatchObject({ outcome: 'not-allowed' });
    const told = h.fake
      .channelView(threadId, grace.id)
      .filter((m) => m.ephemeral)
      .at(-1);
    expect(told?.content).toBe(`Only <@${h.fake.people.ada.id}> or a member with Manage Messages can regenerate it.`);
    expect(h.fake.channelView(threadId).some((m) => m.ephemeral)).toBe(false); // only Grace sees it
    expect(await childrenOf(parent)).toHaveLength(2);
  });

  it('says in the thread, to the person, when a reaction meets the daily quota', async () => {
    const user = h.fake.world.addUser('thrifty');
    h.fake.world.addMember(h.fake.world.guild, user.id);
    const { generation } = await h.draft({ user, name: 'Lise Meitner' });
    await h.db.pool.query(
      `INSERT INTO generations (user_id, platform, team_id, template, recipient_name, recipient_interest)
       SELECT $1, 'discord', $2, 't', 'n', 'i' FROM generate_series(2, $3)`,
      [generation.userId, h.fake.guildId, DAILY_QUOTA],
    );
    const [resultId] = await h.succeed(generation);
    expect(await react(resultId!, '🔁', user)).toMatchObject({ outcome: 'quota' });
    expect(h.fake.channelView(generation.threadId!).at(-1)?.text).toMatch(
      new RegExp(`^<@${user.id}> You have used all ${DAILY_QUOTA} emails for today`),
    );
    expect(await childrenOf(generation)).toHaveLength(0);
  });
});
