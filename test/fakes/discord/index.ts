/**
 * A local Discord for tests: REST (`apiUrl`, for discord.js `rest.api` / `DISCORD_API_URL`) and a
 * gateway (found by clients through `GET /gateway/bot`) sharing one world, plus drivers that act
 * as people do — run a slash command, fill in a modal, press a button, react — and views of what
 * people would see in a channel.
 *
 * @example
 * const fake = await startFakeDiscord();
 * const client = new Client({ intents, partials, rest: { api: fake.apiUrl } });
 * await client.login(fake.token);
 * const cmd = fake.slashCommand({ options: { recipient_name: 'Ada Lovelace' } });
 * const answer = await fake.nextCallback(cmd.id); // { type: 5, … }
 */
import type { APIInteraction, APIMessage, APIUser } from 'discord.js';
import { callbackRoutes } from './callbacks.ts';
import type { RouteDeps } from './deps.ts';
import { FakeDiscordGateway, type GatewayOptions } from './gateway.ts';
import { InteractionRegistry, type CallbackRecord, type InteractionTiming } from './interaction-registry.ts';
import {
  autocomplete,
  buttonPress,
  chatInput,
  modalSubmit,
  reactionAdd,
  selectChoice,
  type ActorOptions,
  type ChatInputOptions,
} from './interactions.ts';
import { MessageStore, type ViewMessage } from './messages.ts';
import { FakeDiscordRest } from './rest.ts';
import { appRoutes, type CommandStore } from './routes-app.ts';
import { channelRoutes } from './routes-channels.ts';
import { snowflake } from './snowflake.ts';
import type { ModalData } from './validate.ts';
import { DiscordWorld, type WorldOptions } from './world.ts';

export { Permission } from './world.ts';
export { Intent } from './guild-payload.ts';
export type { CallbackRecord, ViewMessage };
export type { RecordedCall } from './rest.ts';

/** Everything configurable at start. */
export interface FakeDiscordOptions extends WorldOptions, GatewayOptions, Partial<InteractionTiming> {
  /** Latency added to every REST call, in ms. */
  latencyMs?: number;
}

/** A running fake Discord. Close it in `afterAll`. */
export class FakeDiscord {
  readonly world: DiscordWorld;
  readonly rest: FakeDiscordRest;
  readonly gateway: FakeDiscordGateway;
  readonly messages: MessageStore;
  readonly interactions: InteractionRegistry;
  /** Registered application commands: key `global` or a guild id. */
  readonly commands: CommandStore = new Map();

  constructor(options: FakeDiscordOptions = {}) {
    this.world = new DiscordWorld(options);
    this.gateway = new FakeDiscordGateway(this.world, options);
    this.messages = new MessageStore(this.world, (t, d) => this.gateway.dispatch(t, d));
    this.interactions = new InteractionRegistry(options);
    this.rest = new FakeDiscordRest(this.world.token);
    this.rest.latencyMs = options.latencyMs ?? 0;
    const deps: RouteDeps = {
      world: this.world,
      messages: this.messages,
      interactions: this.interactions,
      gatewayUrl: () => this.gateway.url,
      emit: (t, d) => this.gateway.dispatch(t, d),
      serveFile: (path, contentType, body) => {
        this.rest.files.set(path, { contentType, body });
        return new URL(path, this.apiUrl).href;
      },
    };
    this.rest.addRoutes([...appRoutes(deps, this.commands), ...channelRoutes(deps), ...callbackRoutes(deps)]);
  }

  /** `http://127.0.0.1:PORT/api`: discord.js `rest: { api }`, `DISCORD_API_URL`. */
  get apiUrl(): string {
    return this.rest.apiUrl;
  }
  get token(): string {
    return this.world.token;
  }
  get applicationId(): string {
    return this.world.applicationId;
  }
  get guildId(): string {
    return this.world.guild.id;
  }
  /** The default text channel, #general. */
  get channelId(): string {
    return this.world.channel.id;
  }
  /** Default members: ada (requester), grace (another member), mod (Manage Messages). */
  get people(): { ada: APIUser; grace: APIUser; mod: APIUser } {
    return this.world.people;
  }

  /** Registers an interaction and dispatches INTERACTION_CREATE; returns the payload. */
  interact<T extends APIInteraction>(payload: T): T {
    this.interactions.register(payload);
    this.gateway.dispatch('INTERACTION_CREATE', payload);
    return payload;
  }

  /** A person runs a slash command (default `/scribe`). */
  slashCommand(opts: ChatInputOptions = {}): ReturnType<typeof chatInput> {
    const name = opts.name ?? 'scribe';
    const registered = [...(this.commands.get(this.guildId) ?? []), ...(this.commands.get('global') ?? [])].find(
      (c) => c.name === name,
    );
    return this.interact(chatInput(this.world, { ...(registered ? { commandId: registered.id } : {}), ...opts }));
  }

  /**
   * A person submits the modal the app showed in answer to `interactionId` (its type-9 callback).
   * Throws when the app answered that interaction with something else.
   */
  submitModal(
    interactionId: string,
    values: Record<string, string>,
    actor: ActorOptions = {},
  ): ReturnType<typeof modalSubmit> {
    const record = this.interactions.get(interactionId);
    if (record?.initial?.type !== 9) throw new Error(`interaction ${interactionId} was not answered with a modal`);
    const payload = record.payload;
    const user = actor.user ?? payload.member?.user ?? payload.user;
    const channelId = actor.channelId ?? payload.channel?.id;
    const modal = record.initial.data as unknown as ModalData;
    return this.interact(
      modalSubmit(this.world, modal, values, {
        ...actor,
        ...(user ? { user } : {}),
        ...(channelId ? { channelId } : {}),
      }),
    );
  }

  /** A person types in the option `focused` of a command (default `/scribe`): Discord asks the app for choices. */
  autocomplete(opts: ChatInputOptions & { focused: string }): ReturnType<typeof autocomplete> {
    const name = opts.name ?? 'scribe';
    const registered = [...(this.commands.get(this.guildId) ?? []), ...(this.commands.get('global') ?? [])].find(
      (c) => c.name === name,
    );
    return this.interact(autocomplete(this.world, { ...(registered ? { commandId: registered.id } : {}), ...opts }));
  }

  /** A person chooses `values` in the select `customId` on a message. */
  chooseInSelect(
    messageId: string,
    customId: string,
    values: string[],
    actor: Omit<ActorOptions, 'channelId'> = {},
  ): ReturnType<typeof selectChoice> {
    return this.interact(selectChoice(this.world, this.message(messageId), customId, values, actor));
  }

  /** A person presses the button `customId` on a message. */
  pressButton(
    messageId: string,
    customId: string,
    actor: Omit<ActorOptions, 'channelId'> = {},
  ): ReturnType<typeof buttonPress> {
    return this.interact(buttonPress(this.world, this.message(messageId), customId, actor));
  }

  /**
   * A file a person attaches to a command option (`slashCommand({ attachments })`), served from
   * this fake's origin as Discord's CDN serves it (`/attachments/<channel>/<id>/<name>`).
   */
  attach(
    filename: string,
    text: string,
    contentType = 'text/csv',
  ): { filename: string; url: string; size: number; contentType: string } {
    const path = `/attachments/${this.channelId}/${snowflake()}/${encodeURIComponent(filename)}`;
    this.rest.files.set(path, { contentType, body: text });
    const url = new URL(path, this.apiUrl).href;
    return { filename, url, size: Buffer.byteLength(text), contentType };
  }

  /** A person reacts to a message (default ada, `🔁`): recorded, then MESSAGE_REACTION_ADD. */
  react(messageId: string, emoji = '🔁', user: APIUser = this.people.ada): void {
    const stored = this.messages.byId.get(messageId);
    if (!stored || stored.deleted) throw new Error(`no message ${messageId}`);
    if (this.messages.addReaction(stored, emoji, user.id)) {
      this.gateway.dispatch('MESSAGE_REACTION_ADD', reactionAdd(this.world, stored.message, emoji, user));
    }
  }

  /** Resolves with the app's accepted initial response to an interaction (past or future). */
  nextCallback(interactionId: string): Promise<CallbackRecord> {
    return this.interactions.nextCallback(interactionId);
  }

  /** The current version of a message. */
  message(messageId: string): APIMessage {
    const stored = this.messages.byId.get(messageId);
    if (!stored) throw new Error(`no message ${messageId}`);
    return stored.message;
  }

  /** Every version of a message, the first being as created. */
  revisions(messageId: string): APIMessage[] {
    return this.messages.byId.get(messageId)?.revisions ?? [];
  }

  /** A channel or thread as a person sees it (latest edits; ephemerals only for `viewerId`). */
  channelView(channelId: string, viewerId?: string): ViewMessage[] {
    return this.messages.channelView(channelId, viewerId);
  }

  /** Denies the bot permission bits in a channel (a member overwrite) and tells clients (CHANNEL_UPDATE). */
  denyBot(channelId: string, bits: bigint): void {
    const channel = this.world.denyInChannel(channelId, this.world.bot.id, bits);
    this.gateway.dispatch('CHANNEL_UPDATE', channel);
  }

  async close(): Promise<void> {
    await Promise.all([this.gateway.close(), this.rest.close()]);
  }
}

/** Starts the REST server and the gateway on 127.0.0.1 (random ports). */
export async function startFakeDiscord(options: FakeDiscordOptions = {}): Promise<FakeDiscord> {
  const fake = new FakeDiscord(options);
  await Promise.all([fake.rest.start(), fake.gateway.start()]);
  return fake;
}
