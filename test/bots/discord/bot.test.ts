/**
 * `/scribe` end to end through the real discord.js client, the fake Discord, real Postgres and a
 * real pg-boss queue: what a person sees (ephemeral answers, the progress message, the thread) and
 * what gets recorded (the generation's address, its job).
 */
import { Events, GatewayIntentBits, type GatewayDispatchPayload } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordRest } from '../../../src/bots/discord/client.ts';
import { createDiscordReporter } from '../../../src/bots/discord/reporter.ts';
import { initialProgress } from '../../../src/thread/progress.ts';
import { silentLogger } from '../../../src/log.ts';
import { Permission } from '../../fakes/discord/index.ts';
import { DAILY_QUOTA, startHarness, TEMPLATE, type Harness } from './harness.ts';
import { progressOf } from '../../helpers/discord-v2.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(async () => {
  await h?.close();
});

const countRows = async () =>
  (await h.db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM generations')).rows[0]!.n;
const publicMessages = () => h.fake.channelView(h.fake.channelId).filter((m) => !m.ephemeral);

describe('Discord /scribe', () => {
  it('is registered with its options, guild-only', () => {
    const [command] = h.fake.commands.get(h.fake.guildId) ?? [];
    expect(command?.name).toBe('scribe');
    expect(command?.options?.map((o) => o.name)).toEqual([
      'recipient_name',
      'recipient_interest',
      'template',
      'save_as',
      'who',
      'personal_line',
      'fresh',
      'action',
      'recipients',
    ]);
    expect(command?.options?.find((o) => o.name === 'template')).toMatchObject({ autocomplete: true });
    expect(command?.options?.every((o) => !('required' in o) || !o.required)).toBe(true);
  });

  it('opens the form, and its submission posts the progress message, starts a thread and enqueues the job', async () => {
    const { ada } = h.fake.people;
    const cmd = h.fake.slashCommand({ user: ada });
    expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'modal' });
    expect((await h.fake.nextCallback(cmd.id)).type).toBe(9);

    const submit = h.fake.submitModal(cmd.id, {
      template: TEMPLATE,
      recipient_name: 'Grace Hopper',
      recipient_interest: 'compilers',
    });
    expect(await h.handled(submit.id)).toMatchObject({ outcome: 'started' });
    expect((await h.fake.nextCallback(submit.id)).data).toMatchObject({ flags: 64 }); // deferred, ephemeral

    const progress = publicMessages().at(-1)!;
    expect(progressOf(progress)).toMatchObject({
      header: `Requested by <@${ada.id}>`,
      title: 'Drafting an email to Grace Hopper',
    });
    expect(progressOf(progress).lines).toContain('◻️ Reading the template');
    expect(progress.threadId).toBe(progress.id);
    expect(h.fake.world.channels.get(progress.id)).toMatchObject({
      name: 'Email to Grace Hopper',
      parent_id: h.fake.channelId,
    });
    expect(h.fake.world.threadMembers.get(progress.id)?.has(ada.id)).toBe(true);
    expect(h.replyTo(submit.id)).toBe(
      `✍️ Drafting your email to **Grace Hopper** in <#${progress.id}>. You'll be notified there when it's ready.`,
    );

    const generation = await h.generationByProgress(progress.id);
    expect(generation).toMatchObject({
      status: 'queued',
      platform: 'discord',
      teamId: h.fake.guildId,
      channelId: h.fake.channelId,
      threadId: progress.id,
      progressMessageId: progress.id,
      recipientName: 'Grace Hopper',
      template: TEMPLATE,
    });
    const jobs = await h.jobsFor(generation!.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ data: { generationId: generation!.id } });

    // Nothing later depends on the interaction token: once it has expired, the bot token still edits.
    h.fake.interactions.expireToken(submit.id);
    const reporter = createDiscordReporter({
      rest: createDiscordRest({ token: h.fake.token, apiUrl: h.fake.apiUrl }),
      logger: silentLogger(),
    });
    await reporter.progress(
      { ...generation!, generationId: generation!.id, platform: 'discord' },
      { ...initialProgress('Grace Hopper', 1), status: 'running' },
    );
    expect(h.fake.revisions(progress.id).length).toBeGreaterThan(1);
  });

  it('prefills the form with the last template used', async () => {
    const { mod } = h.fake.people;
    const mine = `${TEMPLATE}\n\nP.S. Only mine.`;
    const run = h.fake.slashCommand({
      user: mod,
      options: { recipient_name: 'Ada', recipient_interest: 'engines', template: mine },
    });
    expect(await h.handled(run.id)).toMatchObject({ outcome: 'started' });
    const cmd = h.fake.slashCommand({ user: mod });
    await h.handled(cmd.id);
    const modal = (await h.fake.nextCallback(cmd.id)).data as {
      components: Array<{ component: { custom_id: string; value?: string } }>;
    };
    expect(modal.components.map((c) => c.component.custom_id)).toEqual([
      'template',
      'recipient_name',
      'recipient_interest',
      'review_research',
      'personal_line',
    ]);
    expect(modal.components[0]!.component.value).toBe(mine);
  });

  it('runs at once with all three options', async () => {
    const { outcome, generation } = await h.draft({ name: 'Dr. Ada Lovelace' });
    expect(outcome).toBe('started');
    expect(generation).toMatchObject({
      recipientName: 'Dr. Ada Lovelace',
      recipientInterest: 'analytical engines',
      threadId: generation.progressMessageId,
    });
    expect(await h.jobsFor(generation.id)).toHaveLength(1);
  });

  it('asks for the missing options when only some are given, recording nothing', async () => {
    const rows = await countRows();
    const cmd = h.fake.slashCommand({ options: { recipient_name: 'Ada' } });
    expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'incomplete' });
    expect(h.replyTo(cmd.id)).toContain('missing: `recipient_interest`, `template`');
    expect(await countRows()).toBe(rows);
  });

  it('names each bad field privately and posts nothing', async () => {
    const [rows, posted] = [await countRows(), publicMessages().length];
    const cmd = h.fake.slashCommand({
      options: { recipient_name: 'Ada', recipient_interest: 'engines', template: 'too short' },
    });
    expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'invalid' });
    expect(h.replyTo(cmd.id)).toBe(
      "I couldn't start that email:\n• `template`: The template must be at least 20 characters",
    );
    expect(await countRows()).toBe(rows);
    expect(publicMessages()).toHaveLength(posted);
  });

  it('refuses over the quota before posting anything', async () => {
    const user = h.fake.world.addUser('busy');
    h.fake.world.addMember(h.fake.world.guild, user.id);
    const {
      rows: [row],
    } = await h.db.pool.query<{ id: string }>(
      "INSERT INTO users (platform, team_id, platform_user_id) VALUES ('discord', $1, $2) RETURNING id",
      [h.fake.guildId, user.id],
    );
    await h.db.pool.query(
      `INSERT INTO generations (user_id, platform, team_id, template, recipient_name, recipient_interest)
       SELECT $1, 'discord', $2, 't', 'n', 'i' FROM generate_series(1, $3)`,
      [row!.id, h.fake.guildId, DAILY_QUOTA],
    );
    const [rows, posted] = [await countRows(), publicMessages().length];
    const cmd = h.fake.slashCommand({
      user,
      options: { recipient_name: 'Ada', recipient_interest: 'engines', template: TEMPLATE },
    });
    expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'quota' });
    expect(h.replyTo(cmd.id)).toContain(`You have used all ${DAILY_QUOTA} emails for today`);
    expect(await countRows()).toBe(rows);
    expect(publicMessages()).toHaveLength(posted);
  });

  it('without thread permissions, says why and goes on in the channel', async () => {
    h.fake.denyBot(h.fake.channelId, Permission.CreatePublicThreads);
    try {
      const cmd = h.fake.slashCommand({
        options: { recipient_name: 'Emmy Noether', recipient_interest: 'algebra', template: TEMPLATE },
      });
      expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'started' });
      expect(h.replyTo(cmd.id)).toContain("I couldn't start a thread — I'm missing Create Public Threads here");
      const progress = publicMessages().at(-1)!;
      expect(progress.threadId).toBeUndefined();
      expect(await h.generationByProgress(progress.id)).toMatchObject({
        threadId: null,
        channelId: h.fake.channelId,
        recipientName: 'Emmy Noether',
      });
    } finally {
      h.fake.world.channel.permission_overwrites = [];
    }

    // Discord may refuse even when the interaction said we could: the 403 gets the same treatment.
    h.fake.rest.forbid('POST /channels/:channel/messages/:message/threads', { times: 1 });
    const cmd = h.fake.slashCommand({
      options: { recipient_name: 'Sophie Germain', recipient_interest: 'elasticity', template: TEMPLATE },
    });
    expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'started' });
    expect(h.replyTo(cmd.id)).toContain('Create Public Threads and Send Messages in Threads');
    const progress = publicMessages().at(-1)!;
    expect(await h.generationByProgress(progress.id)).toMatchObject({
      threadId: null,
      recipientName: 'Sophie Germain',
    });
  });

  it('when it cannot post in the channel at all, explains and starts nothing', async () => {
    const rows = await countRows();
    h.fake.denyBot(h.fake.channelId, Permission.SendMessages);
    try {
      const cmd = h.fake.slashCommand({
        options: { recipient_name: 'Ada', recipient_interest: 'engines', template: TEMPLATE },
      });
      expect(await h.handled(cmd.id)).toMatchObject({ outcome: 'cannot-post' });
      expect(h.replyTo(cmd.id)).toContain("I'm missing Send Messages there");
      expect(await countRows()).toBe(rows);
    } finally {
      h.fake.world.channel.permission_overwrites = [];
    }
  });

  it('asks Discord for guilds and reactions only: messages are not sent to it, 🔁 still is', async () => {
    const identify = (await h.fake.gateway.waitForIdentify()).d as { intents: number };
    expect(identify.intents).toBe(GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessageReactions);
    const events: string[] = [];
    const record = (packet: GatewayDispatchPayload) => events.push(packet.t);
    h.bot.client.on(Events.Raw, record);
    try {
      const { generation } = await h.draft({ name: 'Dr. Intent Check' });
      const { ada } = h.fake.people;
      h.fake.react(generation.progressMessageId!, '🔁', ada);
      await h.handled(`${generation.progressMessageId}:${ada.id}:🔁`);
      // The gateway sends in order: the progress message's MESSAGE_CREATE would have come before the reaction.
      expect(events).toContain('MESSAGE_REACTION_ADD');
      expect(events.filter((t) => t.startsWith('MESSAGE_') && !t.startsWith('MESSAGE_REACTION'))).toEqual([]);
    } finally {
      h.bot.client.off(Events.Raw, record);
    }
  });

  it('answers help, history and status privately', async () => {
    const help = h.fake.slashCommand({ options: { action: 'help' } });
    expect(await h.handled(help.id)).toMatchObject({ outcome: 'info:help' });
    expect(h.replyTo(help.id)).toContain('/scribe');

    const history = h.fake.slashCommand({ options: { action: 'history' } });
    await h.handled(history.id);
    const record = h.fake.interactions.get(history.id)!;
    const embed = h.fake.message(record.originalMessageId!).embeds[0]!;
    expect(embed.title).toMatch(/^Your last \d+ emails$/);
    expect(embed.description?.split('\n').length).toBeLessThanOrEqual(10);
    expect(embed.description).toContain('**Dr. Ada Lovelace**');
    expect(embed.description).toMatch(/<#\d+>/); // a link to the thread

    const status = h.fake.slashCommand({ options: { action: 'status' } });
    await h.handled(status.id);
    const text = h.replyTo(status.id);
    expect(text).toMatch(/Queue: \d+ waiting, 0 being written/);
    expect(text).toContain('Workers: ⚠️ none running');
    expect(text).toMatch(new RegExp(`Your quota: \\d+ of ${DAILY_QUOTA} emails left today`));
    for (const id of [help.id, history.id, status.id]) {
      expect(h.fake.message(h.fake.interactions.get(id)!.originalMessageId!).flags! & 64).toBe(64);
    }
  });
});
