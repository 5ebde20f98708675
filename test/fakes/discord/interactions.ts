/**
 * Builders for what Discord sends when a person acts: INTERACTION_CREATE payloads (slash command,
 * modal submit, button) and MESSAGE_REACTION_ADD. They fill what discord.js relies on — a `channel`
 * object (discord.js takes `interaction.channelId` from it, not from `channel_id`), `entitlements`
 * (it calls `.reduce` on it), the member with computed `permissions`, `app_permissions` — from the
 * world, so the permissions agree with what REST enforces.
 */
import { randomBytes } from 'node:crypto';
import type {
  APIApplicationCommandAutocompleteGuildInteraction,
  APIApplicationCommandInteractionDataOption,
  APIMessageComponentSelectMenuInteraction,
  APIChatInputApplicationCommandGuildInteraction,
  APIMessage,
  APIMessageComponentButtonInteraction,
  APIModalSubmissionComponent,
  APIModalSubmitInteraction,
  APIUser,
  GatewayMessageReactionAddDispatchData,
} from 'discord.js';
import { snowflake } from './snowflake.ts';
import type { ModalData, TextInputLike } from './validate.ts';
import type { DiscordWorld } from './world.ts';

/** Who acts, and where. Defaults: `world.people.ada` in the default channel. */
export interface ActorOptions {
  user?: APIUser;
  channelId?: string;
  locale?: string;
  /**
   * false: send only `channel_id`, no `channel` object — Discord documents `channel` as partial and
   * optional, and discord.js then has no `interaction.channelId`.
   */
  channelObject?: boolean;
}

/** An option value as the user typed it; its Discord type follows from the JS type. */
export type OptionValue = string | number | boolean;

/** Options of {@link chatInput}. */
export interface ChatInputOptions extends ActorOptions {
  /** Command name (default `scribe`). */
  name?: string;
  /** Id of the registered command (default: a fresh snowflake). */
  commandId?: string;
  /** A subcommand (`/scribe help`): the options then belong to it. */
  subcommand?: string;
  options?: Record<string, OptionValue>;
  /** Attachment options (type 11) by name, as uploaded: Discord sends their id, and the file in `resolved`. */
  attachments?: Record<string, { filename: string; url: string; size: number; contentType?: string }>;
}

/** Everything common to guild interactions. `as` narrows to the specific interaction type. */
function base(world: DiscordWorld, type: number, actor: ActorOptions): Record<string, unknown> {
  const user = actor.user ?? world.people.ada;
  const channel = world.channels.get(actor.channelId ?? world.channel.id);
  if (!channel?.guild_id) throw new Error(`no guild channel ${actor.channelId}`);
  const member = world.member(channel.guild_id, user.id);
  if (!member) throw new Error(`${user.username} is not a member of guild ${channel.guild_id}`);
  return {
    id: snowflake(),
    application_id: world.applicationId,
    type,
    // Interaction tokens are long opaque strings; this one is unique per interaction.
    token: `aW50ZXJhY3Rpb246${randomBytes(48).toString('base64url')}`,
    version: 1,
    guild: { id: channel.guild_id, locale: 'en-US', features: [] },
    guild_id: channel.guild_id,
    ...(actor.channelObject === false ? {} : { channel }),
    channel_id: channel.id,
    member: { ...member, permissions: world.permissionsIn(channel.id, user.id).toString() },
    app_permissions: world.permissionsIn(channel.id, world.bot.id).toString(),
    locale: actor.locale ?? 'en-GB',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': channel.guild_id },
    context: 0,
    attachment_size_limit: 10 * 1024 * 1024,
  };
}

function toOptions(values: Record<string, OptionValue>): APIApplicationCommandInteractionDataOption[] {
  return Object.entries(values).map(([name, value]) => {
    // 3 string, 5 boolean, 4 integer, 10 number
    const type = typeof value === 'string' ? 3 : typeof value === 'boolean' ? 5 : Number.isInteger(value) ? 4 : 10;
    return { name, type, value } as APIApplicationCommandInteractionDataOption;
  });
}

/** A slash command (`INTERACTION_CREATE`, type 2, data type 1 CHAT_INPUT). */
export function chatInput(
  world: DiscordWorld,
  opts: ChatInputOptions = {},
): APIChatInputApplicationCommandGuildInteraction {
  const files = Object.entries(opts.attachments ?? {}).map(([name, file]) => ({ name, id: snowflake(), ...file }));
  const values = [
    ...toOptions(opts.options ?? {}),
    ...files.map((f) => ({ name: f.name, type: 11, value: f.id }) as APIApplicationCommandInteractionDataOption),
  ];
  const options = opts.subcommand ? [{ name: opts.subcommand, type: 1, options: values }] : values;
  const channel = world.channels.get(opts.channelId ?? world.channel.id);
  return {
    ...base(world, 2, opts),
    data: {
      id: opts.commandId ?? snowflake(),
      name: opts.name ?? 'scribe',
      type: 1,
      ...(channel?.guild_id ? { guild_id: channel.guild_id } : {}),
      options: options as APIApplicationCommandInteractionDataOption[],
      ...(files.length
        ? {
            resolved: {
              attachments: Object.fromEntries(
                files.map((f) => [
                  f.id,
                  {
                    id: f.id,
                    filename: f.filename,
                    size: f.size,
                    url: f.url,
                    proxy_url: f.url,
                    ...(f.contentType ? { content_type: f.contentType } : {}),
                  },
                ]),
              ),
            },
          }
        : {}),
    },
  } as unknown as APIChatInputApplicationCommandGuildInteraction; // assembled from `base`, checked by the tests
}

/**
 * A modal submission (type 5) answering `modal` (the `data` of the app's type-9 callback), with
 * the text the person typed. Inputs not in `values` keep their prefilled `value` (or ''), as the
 * client would submit them; the submission mirrors the modal's layout (action rows or labels).
 */
export function modalSubmit(
  world: DiscordWorld,
  modal: ModalData,
  values: Record<string, string>,
  actor: ActorOptions = {},
): APIModalSubmitInteraction {
  const seen = new Set<string>();
  const submitted = (input: TextInputLike): Record<string, unknown> => {
    seen.add(input.custom_id);
    // A checkbox (type 23) submits whether it is ticked: 'true' / 'false' in `values`, else its default.
    if (input.type === 23) {
      const given = values[input.custom_id];
      return {
        type: 23,
        custom_id: input.custom_id,
        value: given === undefined ? input.default === true : given === 'true',
      };
    }
    // A string select (type 3) submits the chosen option's value, or none: only an offered value can be chosen.
    if (input.type === 3) {
      const given = values[input.custom_id];
      const offered = ((input.options as { value: string }[] | undefined) ?? []).map((o) => o.value);
      if (given !== undefined && !offered.includes(given))
        throw new Error(`select ${input.custom_id} offers no option ${given}`);
      return { type: 3, custom_id: input.custom_id, values: given === undefined ? [] : [given] };
    }
    return {
      type: 4,
      ...(typeof input.id === 'number' ? { id: input.id } : {}),
      custom_id: input.custom_id,
      value: values[input.custom_id] ?? input.value ?? '',
    };
  };
  const components = modal.components.map((c, i) => {
    if (c.type === 18 && c.component) return { type: 18, id: i + 1, component: submitted(c.component) };
    if (c.type === 1) return { type: 1, id: i + 1, components: (c.components ?? []).map(submitted) };
    return { type: c.type, id: i + 1 };
  });
  const unknown = Object.keys(values).filter((k) => !seen.has(k));
  if (unknown.length) throw new Error(`modal ${modal.custom_id} has no input ${unknown.join(', ')}`);
  return {
    ...base(world, 5, actor),
    data: { custom_id: modal.custom_id, components: components as APIModalSubmissionComponent[] },
  } as unknown as APIModalSubmitInteraction; // assembled from `base`, checked by the tests
}

/** A button press (type 3, component_type 2) on a message the bot sent. */
export function buttonPress(
  world: DiscordWorld,
  message: APIMessage,
  customId: string,
  actor: Omit<ActorOptions, 'channelId'> = {},
): APIMessageComponentButtonInteraction {
  const found = JSON.stringify(message.components ?? []).includes(`"custom_id":${JSON.stringify(customId)}`);
  if (!found) throw new Error(`message ${message.id} has no component ${customId}`);
  return {
    ...base(world, 3, { ...actor, channelId: message.channel_id }),
    message,
    data: { custom_id: customId, component_type: 2 },
  } as unknown as APIMessageComponentButtonInteraction; // assembled from `base`, checked by the tests
}

/**
 * An autocomplete request (type 4, APPLICATION_COMMAND_AUTOCOMPLETE) while a person types in
 * `focused`: the options given so far, the focused one marked `focused: true` with its partial value.
 */
export function autocomplete(
  world: DiscordWorld,
  opts: ChatInputOptions & { focused: string },
): APIApplicationCommandAutocompleteGuildInteraction {
  const command = chatInput(world, opts) as unknown as Record<string, unknown> & {
    data: { options: (APIApplicationCommandInteractionDataOption & { focused?: boolean })[] };
  };
  const options = command.data.options.map((o) => (o.name === opts.focused ? { ...o, focused: true } : o));
  if (!options.some((o) => o.focused)) options.push({ name: opts.focused, type: 3, value: '', focused: true });
  return {
    ...command,
    type: 4,
    data: { ...command.data, options },
  } as unknown as APIApplicationCommandAutocompleteGuildInteraction; // assembled from `chatInput`, checked by the tests
}

/** A choice in a string select (type 3, component_type 3) on a message the bot sent; only offered values. */
export function selectChoice(
  world: DiscordWorld,
  message: APIMessage,
  customId: string,
  values: string[],
  actor: Omit<ActorOptions, 'channelId'> = {},
): APIMessageComponentSelectMenuInteraction {
  type Select = { type: number; custom_id?: string; options?: { value: string }[]; components?: Select[] };
  const all = (message.components ?? []) as unknown as Select[];
  const select = all.flatMap((row) => row.components ?? []).find((c) => c.type === 3 && c.custom_id === customId);
  if (!select) throw new Error(`message ${message.id} has no select ${customId}`);
  const offered = (select.options ?? []).map((o) => o.value);
  const unknown = values.filter((v) => !offered.includes(v));
  if (unknown.length) throw new Error(`select ${customId} offers no option ${unknown.join(', ')}`);
  return {
    ...base(world, 3, { ...actor, channelId: message.channel_id }),
    message,
    data: { custom_id: customId, component_type: 3, values },
  } as unknown as APIMessageComponentSelectMenuInteraction; // assembled from `base`, checked by the tests
}

/** A person's reaction (`MESSAGE_REACTION_ADD`); `emoji` is a unicode emoji such as `🔁`. */
export function reactionAdd(
  world: DiscordWorld,
  message: APIMessage,
  emoji: string,
  user: APIUser = world.people.ada,
): GatewayMessageReactionAddDispatchData {
  const guildId = world.channels.get(message.channel_id)?.guild_id;
  if (!guildId) throw new Error(`message ${message.id} is not in a guild channel`);
  const member = world.member(guildId, user.id);
  if (!member) throw new Error(`${user.username} is not a member of guild ${guildId}`);
  return {
    user_id: user.id,
    channel_id: message.channel_id,
    message_id: message.id,
    guild_id: guildId,
    member,
    emoji: { id: null, name: emoji },
    message_author_id: message.author.id,
    burst: false,
    burst_colors: [],
    type: 0,
  } as GatewayMessageReactionAddDispatchData;
}
