/**
 * Discord across guilds and payload shapes: one quota per person whichever guild they ask from,
 * the `DISCORD_GUILD_IDS` allow-list, interactions that carry only `channel_id`, and the dedupe
 * window measured from the interaction's own snowflake time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_CHANNEL, NOT_SERVED } from '../../../src/bots/discord/handlers.ts';
import { ConfigError, loadConfig } from '../../../src/config.ts';
import { buttonPress, chatInput } from '../../fakes/discord/interactions.ts';
import { DISCORD_EPOCH } from '../../fakes/discord/snowflake.ts';
import { DAILY_QUOTA, startHarness, TEMPLATE, type Harness } from './harness.ts';
import { progressOf } from '../../helpers/discord-v2.ts';

let h: Harness;
let elsewhere: Harness;

beforeAll(async () => {
  [h, elsewhere] = await Promise.all([startHarness(), startHarness({ guildIds: ['100000000000000001'] })]);
});

afterAll(async () => {
  await Promise.all([h?.close(), elsewhere?.close()]);
});

const OPTIONS = { recipient_name: 'Dr. Ada Lovelace', recipient_interest: 'analytical engines', template: TEMPLATE };
const publicMessages = (x: Harness) => x.fake.channelView(x.fake.channelId).filter((m) => !m.ephemeral);
/** A snowflake for a moment `msAgo` in the past (the fake's own ids only move forward). */
const snowflakeAgo = (msAgo: number) => ((BigInt(Date.now() - msAgo) - DISCORD_EPOCH) << 22n).toString();

describe('Discord tenancy', () => {
  it('counts one quota per person across every guild', async () => {
    const user = h.fake.world.addUser('everywhere');
    h.fake.world.addMember(h.fake.world.guild, user.id);
    // The same person used up their quota from another server the bot was added to.
    const {
      rows: [row],
    } = await h.db.pool.query<{ id: string }>(
      "INSERT INTO users (platform, team_id, platform_user_id) VALUES ('discord', '200000000000000002', $1) RETURNING id",
      [user.id],
    );
    await h.db.pool.query(
      `INSERT INTO generations (user_id, platform, team_id, template, recipient_name, recipient_interest)
       SELECT $1, 'discord', '200000000000000002', 't', 'n', 'i' FROM generate_series(1, $2)`,
      [row!.id, DAILY_QUOTA],
    );
    const before = publicMessages(h).length;
    const cmd = h.fake.slashCommand({ user, options: OPTIONS });
    expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'quota' });
    expect(h.replyTo(cmd.id)).toContain(`You have used all ${DAILY_QUOTA} emails for today`);
    expect(publicMessages(h)).toHaveLength(before);
  });

  it('refuses, privately, guilds that DISCORD_GUILD_IDS leaves out', async () => {
    const before = publicMessages(elsewhere).length;
    const cmd = elsewhere.fake.slashCommand({ options: OPTIONS });
    expect(await elsewhere.handled(cmd.id)).toMatchObject({ outcome: 'refused:guild' });
    const answer = await elsewhere.fake.nextCallback(cmd.id);
    expect(answer.data).toMatchObject({ content: NOT_SERVED, flags: 64 });
    expect(publicMessages(elsewhere)).toHaveLength(before);
    const { rows } = await elsewhere.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM generations');
    expect(rows[0]!.n).toBe(0);
  });

  it('reads DISCORD_GUILD_IDS as a comma-separated list of guild ids', () => {
    const env = { DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: '123456789012345678' };
    const noFiles = { fileExists: () => false };
    expect(loadConfig(env, noFiles).discord?.guildIds).toBeUndefined();
    expect(
      loadConfig({ ...env, DISCORD_GUILD_IDS: ' 100000000000000001, 200000000000000002 ' }, noFiles).discord?.guildIds,
    ).toEqual(['100000000000000001', '200000000000000002']);
    expect(() => loadConfig({ ...env, DISCORD_GUILD_IDS: 'my-server' }, noFiles)).toThrow(ConfigError);
  });

  it('takes the channel from channel_id when the interaction has no channel object', async () => {
    const cmd = h.fake.interact(
      chatInput(h.fake.world, { options: { ...OPTIONS, recipient_name: 'Grace Hopper' }, channelObject: false }),
    );
    expect('channel' in cmd).toBe(false);
    expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'started' });
    const progress = publicMessages(h).at(-1)!;
    expect(progressOf(progress).title).toBe('Drafting an email to Grace Hopper');
    expect(await h.generationByProgress(progress.id)).toMatchObject({
      channelId: h.fake.channelId,
      threadId: progress.id,
    });
    expect(h.replyTo(cmd.id)).toContain(`<#${progress.id}>`);
    expect(h.fake.rest.calls.some((c) => c.path.includes('/channels//'))).toBe(false);

    // The form's submission too.
    const open = h.fake.interact(chatInput(h.fake.world, { channelObject: false }));
    expect(await h.handled(open.id)).toMatchObject({ outcome: 'modal' });
    const submit = h.fake.submitModal(
      open.id,
      { template: TEMPLATE, recipient_name: 'Emmy Noether', recipient_interest: 'algebra' },
      { channelObject: false },
    );
    expect(await h.handled(submit.id)).toMatchObject({ outcome: 'started' });
    expect(h.replyTo(submit.id)).not.toContain('<#>');
  });

  it('refuses clearly, and posts nothing, when an interaction names no channel at all', async () => {
    const payload = chatInput(h.fake.world, { options: OPTIONS, channelObject: false }) as unknown as Record<
      string,
      unknown
    >;
    delete payload.channel_id;
    const cmd = h.fake.interact(payload as unknown as ReturnType<typeof chatInput>);
    expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'no-channel' });
    expect((await h.fake.nextCallback(cmd.id)).data).toMatchObject({ content: NO_CHANNEL, flags: 64 });
    expect(h.fake.rest.calls.some((c) => c.path.includes('/channels//'))).toBe(false);
  });

  it('measures the dedupe window from the interaction’s snowflake: a late press collapses into the version made since', async () => {
    const { generation } = await h.draft({ name: 'Mary Somerville' });
    const [resultId] = await h.succeed(generation);
    const press = (user = h.fake.people.mod, id?: string) => {
      const payload = buttonPress(h.fake.world, h.fake.message(resultId!), `scribe:regenerate:${generation.id}`, {
        user,
      });
      if (id) payload.id = id;
      h.fake.interact(payload);
      return h.handled(payload.id);
    };
    expect(await press(h.fake.people.ada)).toMatchObject({ outcome: 'started' });
    await h.db.pool.query("UPDATE generations SET created_at = now() - interval '15 seconds' WHERE parent_id = $1", [
      generation.id,
    ]);
    // Clicked 16 s ago (delivered late, or handled by a process that never saw the first):
    // the version made 15 s ago answers it. A fixed 10 s window would start a second one.
    expect(await press(h.fake.people.mod, snowflakeAgo(16_000))).toMatchObject({ outcome: 'duplicate' });
    const count = async () =>
      (
        await h.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM generations WHERE parent_id = $1', [
          generation.id,
        ])
      ).rows[0]!.n;
    expect(await count()).toBe(1);
    // Clicked now, by another moderator (this process remembers the first one's click): a new request.
    const mod2 = h.fake.world.addUser('mod2');
    h.fake.world.addMember(h.fake.world.guild, mod2.id, [h.fake.world.moderatorRoleId]);
    expect(await press(mod2)).toMatchObject({ outcome: 'started' });
    expect(await count()).toBe(2);
  });
});
