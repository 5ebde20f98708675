/** The shared table of request cases (test/bots/shared/request-cases.ts), on Discord: real discord.js against the fake Discord. */
import type { APIUser } from 'discord.js';
import { afterAll, beforeAll, describe } from 'vitest';
import { createGeneration } from '../../../src/requests/commit/start.ts';
import { Permission } from '../../fakes/discord/index.ts';
import { buttonPress } from '../../fakes/discord/interactions.ts';
import { snowflake } from '../../fakes/discord/snowflake.ts';
import { runRequestCases, type RequestDriver } from '../shared/request-cases.ts';
import { DAILY_QUOTA, startHarness, TEMPLATE, type Harness } from './harness.ts';

let h: Harness;
let people = 0;
const users = new Map<string, APIUser>();
/** The thread each email lives in, for what was said there. */
const threads = new Map<string, string>();

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

function discordDriver(): RequestDriver {
  return {
    async person() {
      const user = h.fake.world.addUser(`case${++people}`);
      h.fake.world.addMember(h.fake.world.guild, user.id);
      users.set(user.id, user);
      return user.id;
    },
    async finishedEmail(requester) {
      const { generation } = await h.draft({ user: users.get(requester)! });
      const [resultId] = await h.succeed(generation);
      threads.set(generation.id, generation.threadId!);
      return { parentId: generation.id, resultId: resultId! };
    },
    async pressRegenerate(email, by, options = {}) {
      const payload = buttonPress(h.fake.world, h.fake.message(email.resultId), `scribe:regenerate:${email.parentId}`, {
        user: users.get(by)!,
      });
      if (options.claimsGeneration) payload.data.custom_id = `scribe:regenerate:${options.claimsGeneration}`;
      if (options.fromOtherTeam) {
        // A press from another guild the bot is in (the member there is the same person).
        const other = snowflake();
        Object.assign(payload, { guild_id: other, guild: { id: other, locale: 'en-US', features: [] } });
      }
      h.fake.interact(payload);
      return (await h.handled(payload.id)).outcome;
    },
    async start(requester) {
      const cmd = h.fake.slashCommand({
        user: users.get(requester)!,
        options: { recipient_name: 'Ada', recipient_interest: 'engines', template: TEMPLATE },
      });
      return (await h.handled(cmd.id)).outcome;
    },
    async useUpQuota(person) {
      const user = { platform: 'discord' as const, teamId: h.fake.guildId, platformUserId: person };
      const request = { template: TEMPLATE, recipientName: 'Dr. Filler', recipientInterest: 'quotas' };
      const used = (
        await h.db.pool.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM generations g JOIN users u ON u.id = g.user_id WHERE u.platform_user_id = $1',
          [person],
        )
      ).rows[0]!.n;
      for (let i = used; i < DAILY_QUOTA; i++)
        await createGeneration({ pool: h.db.pool, boss: h.queue.boss, dailyQuota: DAILY_QUOTA }, { user, request });
    },
    async blockPosting() {
      h.fake.denyBot(h.fake.channelId, Permission.SendMessagesInThreads | Permission.SendMessages);
      return () => {
        h.fake.world.channel.permission_overwrites = [];
      };
    },
    async versionsOf(email) {
      const { rows } = await h.db.pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM generations WHERE parent_id = $1',
        [email.parentId],
      );
      return rows[0]!.n;
    },
    lastPrivate: (person, email) =>
      h.fake
        .channelView(threads.get(email.parentId)!, person)
        .filter((m) => m.ephemeral)
        .at(-1)?.content,
  };
}

describe('Discord: the shared request cases', () => {
  runRequestCases(discordDriver);
});
