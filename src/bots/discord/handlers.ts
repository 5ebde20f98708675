/**
 * Discord event handlers, thin: parse what the payload carries (zod), acknowledge within Discord's
 * 3 seconds, then hand over to the flows (draft.ts, regeneration.ts, info.ts) and say the outcome.
 * Each returns a short outcome name, which bot.ts logs and passes to `onOutcome` (tests wait on it).
 */
import {
  MessageFlags, PermissionFlagsBits, Routes,
  type ButtonInteraction, type ChatInputCommandInteraction, type MessageReaction, type ModalSubmitInteraction,
  type PartialMessageReaction, type PartialUser, type PermissionsBitField, type User,
} from 'discord.js';
import { z } from 'zod';
import { findByResultMessage } from '../../db/generations.ts';
import { lastTemplate } from '../../db/templates.ts';
import { upsertUser, type UserIdentity } from '../../db/users.ts';
import { ScribeOptionsSchema } from './commands.ts';
import type { DiscordBotDeps } from './deps.ts';
import { draftReply, startDraft, type DraftInput } from './draft.ts';
import { INPUTS, MODAL_ID, parseResultButtonId, REGENERATE_EMOJIS } from './ids.ts';
import { infoReply } from './info.ts';
import { regenerationReply, requestRegeneration } from './regeneration.ts';
import { renderDraftModal } from './render.ts';

const EPHEMERAL = MessageFlags.Ephemeral;
/** Showing the modal is the interaction's first answer, due within 3 s: don't wait long for the prefill. */
const PREFILL_DEADLINE_MS = 1_500;

type GuildInteraction = ChatInputCommandInteraction | ModalSubmitInteraction | ButtonInteraction;
type Identity = UserIdentity & { platform: 'discord' };

function identityOf(interaction: GuildInteraction): Identity {
  return {
    platform: 'discord',
    teamId: interaction.guildId ?? '',
    platformUserId: interaction.user.id,
    displayName: interaction.user.globalName ?? interaction.user.username,
    isAdmin: interaction.memberPermissions?.has(PermissionFlagsBits.ManageMessages) ?? false,
  };
}

/** `/scribe`: the form, a direct run, or help/history/status. */
export async function handleScribeCommand(deps: DiscordBotDeps, interaction: ChatInputCommandInteraction): Promise<string> {
  if (!interaction.inGuild()) {
    await interaction.reply({ content: 'Use /scribe in a server channel: I write in threads there.', flags: EPHEMERAL });
    return 'not-in-guild';
  }
  const options = ScribeOptionsSchema.parse({
    recipient_name: interaction.options.getString(INPUTS.recipientName) ?? undefined,
    recipient_interest: interaction.options.getString(INPUTS.recipientInterest) ?? undefined,
    template: interaction.options.getString(INPUTS.template) ?? undefined,
    action: interaction.options.getString('action') ?? undefined,
  });
  const identity = identityOf(interaction);
  if (options.action) {
    await interaction.deferReply({ flags: EPHEMERAL });
    await interaction.editReply({ ...(await infoReply(deps, options.action, identity)), allowedMentions: { parse: [] } });
    return `info:${options.action}`;
  }
  // In the command's option order, so the reply lists what is missing as the person sees it.
  const given = { recipientName: options.recipient_name, recipientInterest: options.recipient_interest, template: options.template };
  const missing = Object.entries(given).filter(([, v]) => v === undefined).map(([k]) => INPUTS[k as keyof typeof INPUTS]);
  if (missing.length === 3) {
    await interaction.showModal(renderDraftModal(await prefillFor(deps, identity)));
    return 'modal';
  }
  if (missing.length > 0) {
    await interaction.reply({
      content: `To write at once, give all three options — missing: ${missing.map((m) => `\`${m}\``).join(', ')}. ` +
        'Or run `/scribe` with no options to open the form.',
      flags: EPHEMERAL,
    });
    return 'incomplete';
  }
  return runDraft(deps, interaction, given);
}

const ModalValuesSchema = z.object({ template: z.string(), recipientName: z.string(), recipientInterest: z.string() });

/** The `/scribe` form was submitted. */
export async function handleDraftModal(deps: DiscordBotDeps, interaction: ModalSubmitInteraction): Promise<string> {
  if (interaction.customId !== MODAL_ID || !interaction.inGuild()) return 'ignored';
  const values = ModalValuesSchema.parse({
    template: interaction.fields.getTextInputValue(INPUTS.template),
    recipientName: interaction.fields.getTextInputValue(INPUTS.recipientName),
    recipientInterest: interaction.fields.getTextInputValue(INPUTS.recipientInterest),
  });
  return runDraft(deps, interaction, values);
}

async function runDraft(deps: DiscordBotDeps, interaction: ChatInputCommandInteraction | ModalSubmitInteraction, request: unknown): Promise<string> {
  await interaction.deferReply({ flags: EPHEMERAL });
  const input: DraftInput = {
    user: identityOf(interaction),
    channelId: interaction.channelId ?? '',
    request,
    missing: missingPermissions(interaction.appPermissions),
  };
  const outcome = await startDraft(deps, input);
  await interaction.editReply({ content: draftReply(outcome, input.channelId), allowedMentions: { parse: [] } });
  return outcome.kind;
}

const POST_NEEDS = { 'View Channel': PermissionFlagsBits.ViewChannel, 'Send Messages': PermissionFlagsBits.SendMessages, 'Embed Links': PermissionFlagsBits.EmbedLinks };
const THREAD_NEEDS = { 'Create Public Threads': PermissionFlagsBits.CreatePublicThreads, 'Send Messages in Threads': PermissionFlagsBits.SendMessagesInThreads };

/** What the bot lacks in the interaction's channel, by name (Discord sends its permissions along). */
export function missingPermissions(app: Readonly<PermissionsBitField> | null | undefined): DraftInput['missing'] {
  // Without the field (never in a guild), let REST answer instead.
  if (!app) return { post: [], thread: [] };
  const lacking = (needs: Record<string, bigint>) => Object.entries(needs).filter(([, bit]) => !app.has(bit)).map(([name]) => name);
  return { post: lacking(POST_NEEDS), thread: lacking(THREAD_NEEDS) };
}

async function prefillFor(deps: DiscordBotDeps, identity: Identity): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), PREFILL_DEADLINE_MS);
  });
  const lookup = (async () => lastTemplate(deps.pool, (await upsertUser(deps.pool, identity)).id))();
  try {
    return await Promise.race([lookup, deadline]);
  } catch (err) {
    deps.logger.warn({ err }, 'could not load the last template; opening an empty form');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** "Regenerate" / "Shorter" under a result. */
export async function handleResultButton(deps: DiscordBotDeps, interaction: ButtonInteraction): Promise<string> {
  const parsed = parseResultButtonId(interaction.customId);
  if (!parsed || !interaction.inGuild()) return 'ignored';
  await interaction.deferUpdate();
  const outcome = await requestRegeneration(deps, {
    generationId: parsed.generationId,
    action: parsed.action,
    actor: identityOf(interaction),
    isAdmin: async () => interaction.memberPermissions.has(PermissionFlagsBits.ManageMessages),
  });
  const reply = regenerationReply(outcome);
  if (reply) await interaction.followUp({ content: reply, flags: EPHEMERAL, allowedMentions: { parse: [] } });
  return outcome.kind;
}

/** 🔁 or 🔄 on a result message: a new version, if the reactor asked for it (or moderates). */
export async function handleReaction(
  deps: DiscordBotDeps,
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
): Promise<string> {
  if (user.id === reaction.client.user.id || user.bot) return 'ignored:bot';
  if (!REGENERATE_EMOJIS.includes(reaction.emoji.name ?? '')) return 'ignored:emoji';
  const guildId = reaction.message.guildId;
  if (!guildId) return 'ignored:no-guild';
  // Found by the stored message ids, never by reading channel history.
  const parent = await findByResultMessage(deps.pool, 'discord', reaction.message.id);
  if (!parent) return 'ignored:not-a-result';
  const outcome = await requestRegeneration(deps, {
    generationId: parent.id,
    action: 'regenerate',
    actor: { platform: 'discord', teamId: guildId, platformUserId: user.id, displayName: user.globalName ?? user.username ?? null },
    isAdmin: () => canManageMessages(reaction, user.id, parent.channelId),
  });
  const replyChannel = parent.threadId ?? parent.channelId;
  if (outcome.kind === 'quota' && replyChannel) {
    // No interaction to answer privately: say it in the thread, to the person.
    await deps.rest.post(Routes.channelMessages(replyChannel), {
      body: { content: `<@${user.id}> ${outcome.message}`, allowed_mentions: { users: [user.id] } },
    }).catch((err: unknown) => deps.logger.warn({ err, generationId: parent.id }, 'could not tell about the quota'));
  }
  // Others' reactions are ignored, as the design asks: a reaction is not a request to them.
  return outcome.kind === 'not-allowed' ? 'ignored:not-allowed' : outcome.kind;
}

/** Whether the member may moderate the channel (Manage Messages), asking Discord for the member if needed. */
async function canManageMessages(reaction: MessageReaction | PartialMessageReaction, userId: string, channelId: string | null): Promise<boolean> {
  const guild = reaction.message.guild;
  if (!guild) return false;
  const member = await guild.members.fetch(userId).catch(() => undefined);
  if (!member) return false;
  const channel = channelId ? guild.channels.cache.get(channelId) : undefined;
  return (channel ? member.permissionsIn(channel) : member.permissions).has(PermissionFlagsBits.ManageMessages);
}
