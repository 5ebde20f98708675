/**
 * Proves the fake speaks the protocol the real discord.js expects: login over the fake gateway,
 * interactions and their callbacks, messages, threads, edits, rate limits, permission errors,
 * reactions on uncached messages (partials) and resuming after a dropped connection.
 */
import { once } from 'node:events';
import zlib from 'node:zlib';
import { REST } from '@discordjs/rest';
import {
  ActionRowBuilder,
  ButtonBuilder,
  ButtonStyle,
  ChannelType,
  Client,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  ModalBuilder,
  Partials,
  Routes,
  TextInputBuilder,
  TextInputStyle,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type MessageReaction,
  type ModalSubmitInteraction,
  type PartialMessageReaction,
  type PartialUser,
  type TextChannel,
  type User,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { Permission, startFakeDiscord, type FakeDiscord } from './index.ts';

let fake: FakeDiscord;
let client: Client;
let readyMs = 0;

/** The next interaction of a kind, as discord.js emits it. */
function nextInteraction<T extends Interaction>(guard: (i: Interaction) => i is T): Promise<T> {
  return new Promise((resolve) => {
    const listener = (i: Interaction): void => {
      if (!guard(i)) return;
      client.off(Events.InteractionCreate, listener);
      resolve(i);
    };
    client.on(Events.InteractionCreate, listener);
  });
}
const isCommand = (i: Interaction): i is ChatInputCommandInteraction => i.isChatInputCommand();

function general(): TextChannel {
  return client.channels.cache.get(fake.channelId) as TextChannel;
}

beforeAll(async () => {
  fake = await startFakeDiscord({ heartbeatIntervalMs: 500 });
  client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction],
    rest: { api: fake.apiUrl },
  });
  const started = Date.now();
  const ready = once(client, Events.ClientReady);
  await client.login(fake.token);
  await ready;
  readyMs = Date.now() - started;
});

afterAll(async () => {
  await client?.destroy();
  await fake?.close();
});

describe('fake Discord with the real discord.js', () => {
  it('logs in through /gateway/bot, IDENTIFY and READY + GUILD_CREATE, without the 15 s guild wait', async () => {
    expect(readyMs).toBeLessThan(2000);
    const gatewayCall = await fake.rest.waitForCall('GET /gateway/bot');
    expect(gatewayCall.headers.authorization).toBe(`Bot ${fake.token}`);
    const identify = (await fake.gateway.waitForIdentify()).d as { token: string; intents: number; compress: boolean };
    expect(identify.token).toBe(fake.token);
    expect(identify.intents).toBe(1 | (1 << 9) | (1 << 10));
    expect(client.user?.id).toBe(fake.applicationId);
    expect(general()?.type).toBe(ChannelType.GuildText);
    // Without the GuildMembers intent Discord lists only the bot's own member.
    expect([...client.guilds.cache.get(fake.guildId)!.members.cache.keys()]).toEqual([fake.applicationId]);
  });

  it('answers a slash command: deferReply is a 204 callback, editReply edits @original', async () => {
    const arrived = nextInteraction(isCommand);
    const sent = fake.slashCommand({ options: { recipient_name: 'Ada Lovelace', recipient_interest: 'engines' } });
    const interaction = await arrived;
    expect(interaction.id).toBe(sent.id);
    expect(interaction.options.getString('recipient_name')).toBe('Ada Lovelace');
    expect(interaction.channelId).toBe(fake.channelId);
    expect(interaction.user.id).toBe(fake.people.ada.id);

    await interaction.deferReply();
    const callback = await fake.nextCallback(interaction.id);
    expect(callback).toMatchObject({ type: 5, status: 204, withResponse: false });
    const [call] = fake.rest.callsTo('POST /interactions/:interaction/:token/callback').slice(-1);
    expect(call?.headers.authorization).toBeUndefined();

    const edited = await interaction.editReply('Drafting an email to Dr. Ada Lovelace');
    const patch = await fake.rest.waitForCall('PATCH /webhooks/:application/:token/messages/:message');
    expect(patch.params.message).toBe('@original'); // arrived as %40original
    expect(edited.content).toBe('Drafting an email to Dr. Ada Lovelace');
    const view = fake.channelView(fake.channelId);
    expect(view.at(-1)).toMatchObject({
      id: edited.id,
      content: 'Drafting an email to Dr. Ada Lovelace',
      author: 'Scribe',
    });
  });

  it('answers with_response=true with the message, and a first follow-up fills the deferred reply', async () => {
    let arrived = nextInteraction(isCommand);
    fake.slashCommand({ subcommand: 'help' });
    const help = await arrived;
    const response = await help.reply({ content: 'How to use /scribe', flags: 64, withResponse: true });
    expect(response.resource?.message?.content).toBe('How to use /scribe');
    expect(await fake.nextCallback(help.id)).toMatchObject({ type: 4, status: 200, withResponse: true });

    arrived = nextInteraction(isCommand);
    fake.slashCommand({ subcommand: 'history' });
    const history = await arrived;
    await history.deferReply({ flags: 64 });
    const first = await history.followUp('Your last 10 emails');
    const second = await history.followUp('(that is all)');
    const callback = await fake.nextCallback(history.id);
    expect(callback.type).toBe(5);
    const original = fake.interactions.get(history.id)?.originalMessageId;
    expect(first.id).toBe(original); // Discord edits the "thinking" message instead of posting
    expect(second.id).not.toBe(original);
    expect(
      fake
        .channelView(fake.channelId, fake.people.ada.id)
        .filter((m) => m.ephemeral)
        .map((m) => m.content),
    ).toEqual(expect.arrayContaining(['How to use /scribe', 'Your last 10 emails']));
    // Only the first follow-up inherits the deferral's ephemeral flag; later ones are public unless flagged.
    expect(fake.channelView(fake.channelId).at(-1)).toMatchObject({ content: '(that is all)', ephemeral: false });
  });

  it('shows a modal and delivers its submission', async () => {
    const arrived = nextInteraction(isCommand);
    const sent = fake.slashCommand();
    const interaction = await arrived;
    const input = (id: string, style: TextInputStyle, value?: string): ActionRowBuilder<TextInputBuilder> => {
      const text = new TextInputBuilder().setCustomId(id).setLabel(id).setStyle(style);
      if (value) text.setValue(value);
      return new ActionRowBuilder<TextInputBuilder>().addComponents(text);
    };
    await interaction.showModal(
      new ModalBuilder()
        .setCustomId('scribe-modal')
        .setTitle('Write an email')
        .addComponents(
          input('template', TextInputStyle.Paragraph, 'Dear {name},'),
          input('recipient_name', TextInputStyle.Short),
          input('recipient_interest', TextInputStyle.Short),
        ),
    );
    expect((await fake.nextCallback(sent.id)).type).toBe(9);

    const submitted = nextInteraction((i): i is ModalSubmitInteraction => i.isModalSubmit());
    fake.submitModal(sent.id, { recipient_name: 'Grace Hopper', recipient_interest: 'compilers' });
    const modal = await submitted;
    expect(modal.customId).toBe('scribe-modal');
    expect(modal.fields.getTextInputValue('template')).toBe('Dear {name},');
    expect(modal.fields.getTextInputValue('recipient_name')).toBe('Grace Hopper');
    await modal.deferReply({ flags: 64 });
    expect(await fake.nextCallback(modal.id)).toMatchObject({ type: 5, data: { flags: 64 } });
    // An ephemeral reply is seen only by the person who asked.
    expect(fake.channelView(fake.channelId, fake.people.ada.id).at(-1)?.ephemeral).toBe(true);
    expect(fake.channelView(fake.channelId).some((m) => m.ephemeral)).toBe(false);
  });

  it('sends a message, starts a thread on it and posts in the thread', async () => {
    const message = await general().send({
      content: 'Drafting an email to Dr. Ada Lovelace',
      embeds: [{ title: 'Progress', description: '1. parse: pending' }],
    });
    const thread = await message.startThread({ name: 'Email to Dr. Ada Lovelace' });
    expect(thread.id).toBe(message.id); // Discord gives a message's thread the message's id
    expect(thread.type).toBe(ChannelType.PublicThread);
    const reply = await thread.send('Dear Dr. Lovelace, …');
    expect(fake.channelView(thread.id).map((m) => m.content)).toEqual(['Dear Dr. Lovelace, …']);
    expect(fake.channelView(fake.channelId).find((m) => m.id === message.id)?.threadId).toBe(thread.id);
    expect(reply.channelId).toBe(thread.id);
    await expect(message.startThread({ name: 'again' })).rejects.toThrow(); // discord.js knows it has one
  });

  it('returns the same message for a repeated nonce with enforce_nonce', async () => {
    const first = await general().send({ content: 'once', nonce: 'gen-42', enforceNonce: true });
    const second = await general().send({ content: 'once', nonce: 'gen-42', enforceNonce: true });
    expect(second.id).toBe(first.id);
    expect(fake.channelView(fake.channelId).filter((m) => m.content === 'once')).toHaveLength(1);
  });

  it('edits through @discordjs/rest and retries after a 429 with retry_after', async () => {
    const message = await general().send('step 1: running');
    const rest = new REST({ api: fake.apiUrl }).setToken(fake.token);
    fake.rest.rateLimit('PATCH /channels/:channel/messages/:message', { retryAfter: 0.05 });
    await rest.patch(Routes.channelMessage(fake.channelId, message.id), { body: { content: 'step 1: done (1.2 s)' } });
    const attempts = fake.rest.callsTo((c) => c.method === 'PATCH' && c.path.endsWith(message.id));
    expect(attempts.map((c) => c.status)).toEqual([429, 200]);
    expect(fake.revisions(message.id).map((m) => m.content)).toEqual(['step 1: running', 'step 1: done (1.2 s)']);
  });

  it('surfaces 403 Missing Permissions as DiscordAPIError 50013, and refuses a wrong token', async () => {
    const message = await general().send('no thread for me');
    fake.denyBot(fake.channelId, Permission.CreatePublicThreads);
    const error: unknown = await message.startThread({ name: 'denied' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DiscordAPIError);
    expect((error as DiscordAPIError).code).toBe(50013);
    expect((error as DiscordAPIError).status).toBe(403);
    fake.world.channel.permission_overwrites = [];

    const stranger = new REST({ api: fake.apiUrl, retries: 0 }).setToken('wrong');
    await expect(stranger.get(Routes.user('@me'))).rejects.toMatchObject({ status: 401 });
  });

  it('rejects what Discord rejects: 2,001 characters, an expired interaction token', async () => {
    const tooLong: unknown = await general()
      .send('x'.repeat(2001))
      .catch((e: unknown) => e);
    expect((tooLong as DiscordAPIError).code).toBe(50035);
    await general().send('🔁'.repeat(2000)); // code points, not UTF-16 units

    const arrived = nextInteraction(isCommand);
    fake.slashCommand({ subcommand: 'status' });
    const interaction = await arrived;
    expect(interaction.options.getSubcommand()).toBe('status');
    await interaction.deferReply();
    fake.interactions.expireToken(interaction.id);
    await expect(interaction.editReply('too late')).rejects.toMatchObject({ code: 50027, status: 401 });
  });

  it('refuses an action row of more than five buttons, as Discord does', async () => {
    const button = (i: number) => ({ type: 2, style: 2, label: `B${i}`, custom_id: `b:${i}` });
    const row = (n: number) => ({ type: 1, components: Array.from({ length: n }, (_, i) => button(i)) });
    const six: unknown = await general()
      .send({ content: 'buttons', components: [row(6) as never] })
      .catch((e: unknown) => e);
    expect(six).toMatchObject({ code: 50035 });
    expect((six as DiscordAPIError).rawError).toMatchObject({
      errors: { components: { 0: { components: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } },
    });
    await expect(general().send({ content: 'buttons', components: [row(5) as never] })).resolves.toBeDefined();
  });

  it('delivers a button press and a 🔁 reaction on an uncached message (partials)', async () => {
    const row = new ActionRowBuilder<ButtonBuilder>().addComponents(
      new ButtonBuilder().setCustomId('regenerate').setLabel('Regenerate').setStyle(ButtonStyle.Primary),
    );
    const message = await general().send({ content: 'the email', components: [row] });
    const pressed = nextInteraction((i): i is ButtonInteraction => i.isButton());
    fake.pressButton(message.id, 'regenerate', { user: fake.people.grace });
    const button = await pressed;
    expect(button.customId).toBe('regenerate');
    expect(button.user.id).toBe(fake.people.grace.id);
    await button.deferUpdate();
    expect((await fake.nextCallback(button.id)).type).toBe(6);

    general().messages.cache.delete(message.id);
    const reacted = once(client, Events.MessageReactionAdd) as Promise<
      [MessageReaction | PartialMessageReaction, User | PartialUser]
    >;
    fake.react(message.id, '🔁', fake.people.ada);
    const [reaction, user] = await reacted;
    expect(reaction.message.partial).toBe(true);
    expect(reaction.message.id).toBe(message.id);
    expect(reaction.emoji.name).toBe('🔁');
    expect(user.id).toBe(fake.people.ada.id);
  });

  it('resumes after a dropped connection and replays what was missed', async () => {
    const from = fake.gateway.received.length;
    const resumed = once(client, Events.ShardResume);
    fake.gateway.disconnect({ code: 4000 });
    const missed = nextInteraction(isCommand);
    const sent = fake.slashCommand({ options: { recipient_name: 'Emmy Noether' } }); // while disconnected
    const resume = (await fake.gateway.waitForResume(from)).d as { session_id: string; seq: number };
    expect(resume.seq).toBeGreaterThan(0);
    await resumed;
    expect((await missed).id).toBe(sent.id);
    expect(fake.gateway.received.slice(from).filter((f) => f.op === 2)).toHaveLength(0); // no new IDENTIFY

    const after = nextInteraction(isCommand);
    const again = fake.slashCommand();
    expect((await after).id).toBe(again.id);
  });

  it('registers commands and validates them as Discord does', async () => {
    const rest = new REST({ api: fake.apiUrl }).setToken(fake.token);
    const body = [
      {
        name: 'scribe',
        description: 'Write an outreach email',
        options: [{ type: 3, name: 'recipient_name', description: 'Who' }],
      },
    ];
    const saved = (await rest.put(Routes.applicationGuildCommands(fake.applicationId, fake.guildId), {
      body,
    })) as Array<{ id: string }>;
    expect(saved).toHaveLength(1);
    expect(await rest.get(Routes.applicationGuildCommands(fake.applicationId, fake.guildId))).toEqual(saved);
    const bad = [{ name: 'Scribe Now', description: 'x' }];
    await expect(rest.put(Routes.applicationCommands(fake.applicationId), { body: bad })).rejects.toMatchObject({
      code: 50035,
    });
  });

  it('speaks zlib-stream when a client asks for it', async () => {
    const ws = new WebSocket(`${fake.gateway.url}?v=10&encoding=json&compress=zlib-stream`);
    const inflate = zlib.createInflate();
    ws.on('message', (data: Buffer) => inflate.write(data));
    const [chunk] = (await once(inflate, 'data')) as [Buffer];
    expect(JSON.parse(chunk.toString())).toMatchObject({ op: 10, d: { heartbeat_interval: 500 } });
    ws.close(1000);
    inflate.destroy();
  });
});
