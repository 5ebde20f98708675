/**
 * Discord event handlers, thin: parse what the payload carries (zod), acknowledge within Discord's
 * 3 seconds, then hand over to the request layer (src/requests/) with Discord's port and say the
 * outcome. Each returns a short outcome name, which register.ts logs and passes to `onOutcome`
 * (tests wait on it).
 *
 * The channel of a command or form comes from register.ts: discord.js takes it from the
 * interaction's `channel` object only, and Discord may send just `channel_id`.
 */
import {
  MessageFlags,
  PermissionFlagsBits,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type MessageReaction,
  type ModalSubmitInteraction,
  type PartialMessageReaction,
  type PartialUser,
  type PermissionsBitField,
  type User,
} from 'discord.js';
import { z } from 'zod';
import { parseStartFields, parseWho } from '../../requests/commit/start.ts';
import { InvalidRequestError, type RequestField } from '../../errors.ts';
import { reactedTo, requestAction } from '../../requests/act.ts';
import { ACTIONS, boundToThread, isFormAction } from '../../requests/actions.ts';
import { prepareForm, saveForm } from '../../requests/edit.ts';
import { type HeldRequest, holdRequest, takeHeldRequest } from '../../requests/held-request.ts';
import { placePersonalLine, type PersonalLineChoice } from '../../requests/personal-line.ts';
import { startGeneration, type StartOutcome } from '../../requests/start.ts';
import { BEFORE_ACK_DEADLINE_MS, loadFormPrefill, within } from '../shared/form-prefill.ts';
import { warmDiscordRest } from './warm-rest.ts';
import { saveFromForm, TEMPLATE_GONE } from '../shared/templates.ts';
import { resolveTemplateOption } from '../../requests/templates.ts';
import { showTemplatesManager } from './templates.ts';
import { answerAction, refusalText } from '../shared/outcomes.ts';
import { handleBatchAttachment, showBatchModal } from './batch-handlers.ts';
import {
  BATCH_ACTION,
  EXPORT_ACTION,
  PROFILE_ACTION,
  RECIPIENTS_OPTION,
  SAVE_AS_OPTION,
  ScribeOptionsSchema,
  TEMPLATES_ACTION,
} from './commands.ts';
import { identityOf } from './identity.ts';
import { showProfileModal } from './profile.ts';
import { servesGuild, type DiscordBotDeps } from './deps.ts';
import {
  CUSTOM_ID_MAX,
  type DraftModalOptions,
  draftModalId,
  FORM_INPUT,
  INPUTS,
  PERSONAL_LINE_INPUT,
  parseDraftModalId,
  parseFormModal,
  parsePersonalLineButton,
  parseResultButton,
  REGENERATE_REACTIONS,
  REVIEW_INPUT,
  WHO_IN_FORM_MAX,
  WHO_OPTION,
} from './ids.ts';
import { infoReply } from './info.ts';
import { readCopy } from '../../requests/info.ts';
import { personalLineChoice, renderDraftModal, renderEditModal } from './modal.ts';
import { actionPort, DISCORD_STYLE, editPort, startPort, tellInThread, type StartPlace } from './port.ts';
import { DISCORD_LIMITS, emailParts, escapeMarkdown, personalLineButtons } from './render.ts';
import { contactedText } from '../../requests/outreach.ts';
import { handleExport, writeAnywayRow } from './outreach.ts';

const EPHEMERAL = MessageFlags.Ephemeral;
const QUIET = { parse: [] as [] };

/** Said instead of anything else in a guild `DISCORD_GUILD_IDS` leaves out. */
export const NOT_SERVED =
  'Scribe is not enabled on this server. Ask the person who runs Scribe to add this server to DISCORD_GUILD_IDS.';
/** Said when the interaction names no channel at all (never guess one). */
export const NO_CHANNEL =
  "I can't tell which channel this came from, so I can't post anything. Please run /scribe again in a server channel.";

/** Refuses what Scribe must not handle here; undefined when it may go on. */
async function refuseHere(
  deps: DiscordBotDeps,
  interaction: ChatInputCommandInteraction | ModalSubmitInteraction,
  channelId: string | null,
): Promise<string | undefined> {
  const say = (content: string) => interaction.reply({ content, flags: EPHEMERAL });
  if (!interaction.inGuild()) {
    await say('Use /scribe in a server channel: I write in threads there.');
    return 'not-in-guild';
  }
  if (!servesGuild(deps, interaction.guildId)) {
    await say(NOT_SERVED);
    return 'refused:guild';
  }
  if (!channelId) {
    await say(NO_CHANNEL);
    return 'no-channel';
  }
  return undefined;
}

/** `/scribe`: the form, a direct run, or help/history/status. */
export async function handleScribeCommand(
  deps: DiscordBotDeps,
  interaction: ChatInputCommandInteraction,
  channelId: string | null,
): Promise<string> {
  const refused = await refuseHere(deps, interaction, channelId);
  if (refused || !channelId) return refused ?? 'no-channel';
  const options = ScribeOptionsSchema.parse({
    recipient_name: interaction.options.getString(INPUTS.recipientName) ?? undefined,
    recipient_interest: interaction.options.getString(INPUTS.recipientInterest) ?? undefined,
    template: interaction.options.getString(INPUTS.template) ?? undefined,
    action: interaction.options.getString('action') ?? undefined,
    fresh: interaction.options.getBoolean('fresh') ?? undefined,
    personal_line: interaction.options.getString(PERSONAL_LINE_INPUT) ?? undefined,
    save_as: interaction.options.getString(SAVE_AS_OPTION) ?? undefined,
    who: interaction.options.getString(WHO_OPTION) ?? undefined,
  });
  if (options.action === BATCH_ACTION) return showBatchModal(deps, interaction);
  if (options.action === PROFILE_ACTION) return showProfileModal(deps, interaction);
  if (options.action === EXPORT_ACTION) return handleExport(deps, interaction);
  if (options.action === TEMPLATES_ACTION) return showTemplatesManager(deps, interaction);
  const identity = identityOf(interaction);
  // A saved template chosen from the option's suggestions (`saved:<id>`): its body, read within the first answer's 3 s.
  let savedName: string | undefined;
  if (options.template !== undefined) {
    const resolved = await within(
      deps.logger,
      resolveTemplateOption(deps.pool, identity, options.template),
      BEFORE_ACK_DEADLINE_MS,
      'read the saved template',
    );
    if (!resolved || 'missing' in resolved) {
      await interaction.reply({ content: TEMPLATE_GONE, flags: EPHEMERAL });
      return 'template:gone';
    }
    options.template = resolved.template;
    savedName = resolved.saved?.name;
  }
  const attachment = interaction.options.getAttachment(RECIPIENTS_OPTION);
  if (attachment)
    return handleBatchAttachment(deps, interaction, channelId, attachment, options.template, options.personal_line);
  const fresh = options.fresh === true;
  if (options.action) {
    await interaction.deferReply({ flags: EPHEMERAL });
    await interaction.editReply({ ...(await infoReply(deps, options.action, identity)), allowedMentions: QUIET });
    return `info:${options.action}`;
  }
  // In the command's option order, so the reply lists what is missing as the person sees it.
  const given = {
    recipientName: options.recipient_name,
    recipientInterest: options.recipient_interest,
    template: options.template,
  };
  const missing = Object.entries(given)
    .filter(([, v]) => v === undefined)
    .map(([k]) => INPUTS[k as keyof typeof INPUTS]);
  const saved = { name: savedName, saveAs: options.save_as?.trim() || undefined };
  if (missing.length === 3 || (missing.length === 2 && options.template !== undefined)) {
    const who = options.who?.replace(/\s+/g, ' ').trim() || undefined;
    const refused = formRefusal({ fresh, who, saveAs: saved.saveAs });
    if (refused) {
      await interaction.reply({ content: refused, flags: EPHEMERAL, allowedMentions: QUIET });
      return 'invalid';
    }
    // Showing the modal is the interaction's first answer, due within 3 s: don't wait long for the prefill.
    const prefill = await loadFormPrefill(deps, identity);
    const template = options.template ?? prefill?.template;
    await interaction.showModal(renderDraftModal(template, { fresh, review: prefill?.review, who, saved }));
    return options.template === undefined ? 'modal' : 'modal:template';
  }
  if (missing.length > 0) {
    await interaction.reply({
      content:
        `To write at once, give all three options — missing: ${missing.map((m) => `\`${m}\``).join(', ')}. ` +
        'Or run `/scribe` with no options to open the form.',
      flags: EPHEMERAL,
    });
    return 'incomplete';
  }
  return runStart(
    deps,
    interaction,
    channelId,
    { ...given, who: options.who },
    options.personal_line,
    fresh,
    undefined,
    saved.saveAs,
  );
}

/**
 * Why `/scribe who:…` / `save_as:…` (without the other options) cannot open the form carrying
 * them: the who text is invalid, or it and the name are longer than the form's custom id can
 * carry (ids.ts). Undefined when it can.
 */
function formRefusal(carried: DraftModalOptions): string | undefined {
  const { who } = carried;
  if (who !== undefined) {
    try {
      parseWho(who);
    } catch (err) {
      if (!(err instanceof InvalidRequestError)) throw err;
      return `${invalidText(err.fields)}
Nothing was started.`;
    }
  }
  const three = `give \`${INPUTS.recipientName}\`, \`${INPUTS.recipientInterest}\` and \`${INPUTS.template}\` with it`;
  if (who !== undefined && who.length > WHO_IN_FORM_MAX)
    return (
      `\`${WHO_OPTION}\` is too long to carry into the form (${WHO_IN_FORM_MAX} characters at most): ` +
      `give an ORCID iD or an author id, or ${three}.`
    );
  const over = draftModalId(carried).length - CUSTOM_ID_MAX;
  if (over <= 0) return undefined;
  return (
    `\`${WHO_OPTION}\` and \`${SAVE_AS_OPTION}\` together are too long to carry into the form ` +
    `(${over} character${over === 1 ? '' : 's'} over): use a shorter name or give an ORCID iD or an author id, ` +
    `or ${three.replace('with it', 'with them')}. Nothing was started.`
  );
}

const ModalValuesSchema = z.object({ template: z.string(), recipientName: z.string(), recipientInterest: z.string() });

/**
 * The command's and the form's code run at start (requests/warm.ts): the schemas' first parse
 * compiles them, the form is rendered, and a burst's worth of its REST calls go to a throwaway
 * local server (warm-rest.ts). Nothing is sent to Discord.
 */
export async function warmDiscordHandlers(): Promise<void> {
  ScribeOptionsSchema.parse({});
  ModalValuesSchema.parse({ template: '', recipientName: '', recipientInterest: '' });
  await warmDiscordRest(renderDraftModal(undefined, {}));
}

/** The `/scribe` form was submitted. */
export async function handleDraftSubmission(
  deps: DiscordBotDeps,
  interaction: ModalSubmitInteraction,
  channelId: string | null,
): Promise<string> {
  const form = parseDraftModalId(interaction.customId);
  if (!form) return 'ignored';
  const refused = await refuseHere(deps, interaction, channelId);
  if (refused || !channelId) return refused ?? 'no-channel';
  const values = ModalValuesSchema.parse({
    template: interaction.fields.getTextInputValue(INPUTS.template),
    recipientName: interaction.fields.getTextInputValue(INPUTS.recipientName),
    recipientInterest: interaction.fields.getTextInputValue(INPUTS.recipientInterest),
  });
  return runStart(
    deps,
    interaction,
    channelId,
    { ...values, who: form.who },
    personalLineChoice(interaction),
    form.fresh,
    reviewChoice(interaction),
    form.saveAs,
  );
}

/** The form's review checkbox; undefined when the form had none (an older one). */
function reviewChoice(interaction: ModalSubmitInteraction): boolean | undefined {
  try {
    return interaction.fields.getCheckbox(REVIEW_INPUT);
  } catch {
    return undefined;
  }
}

async function runStart(
  deps: DiscordBotDeps,
  interaction: ChatInputCommandInteraction | ModalSubmitInteraction | ButtonInteraction,
  channelId: string,
  typed: Record<string, unknown> & { who?: string | undefined },
  personalLine: PersonalLineChoice | undefined,
  fresh = false,
  review?: boolean,
  saveAs?: string,
): Promise<string> {
  const { who, ...fields } = typed;
  let request: Record<string, unknown> = fields;
  const valid = validStart(request, who);
  if (valid) {
    // A valid request whose template has nothing for research to fill: asked before anything is
    // posted or spent (an invalid one is answered with its problems first, by startGeneration).
    const placed = placePersonalLine(valid.template, personalLine);
    if (placed.notice !== undefined) {
      if (interaction.isModalSubmit()) {
        const typed = ModalValuesSchema.parse(request);
        return askPersonalLine(
          deps,
          interaction,
          { identity: identityOf(interaction), channelId, request: typed, who, fresh, review, saveAs },
          placed.notice,
        );
      }
      await interaction.reply({ content: personalLineQuestion(placed.notice, interaction), flags: EPHEMERAL });
      return 'no-recipient-slot';
    }
    request = { ...request, template: placed.template };
  }
  // A button answering the question: its message (the question) becomes the answer.
  if (interaction.isButton()) await interaction.update({ content: STARTING, components: [] });
  else await interaction.deferReply({ flags: EPHEMERAL });
  const identity = identityOf(interaction);
  const port = startPort(deps, {
    userId: identity.platformUserId,
    channelId,
    recipientName: typeof request.recipientName === 'string' ? request.recipientName : '',
    missing: missingPermissions(interaction.appPermissions),
  });
  const outcome = await startGeneration(deps, port, {
    identity,
    request,
    who,
    options: { freshResearch: fresh, reviewResearch: review },
  });
  await interaction.editReply({
    content: startReply(outcome, port, channelId),
    components: outcome.kind === 'contacted' ? [writeAnywayRow(outcome.draftId)] : [],
    allowedMentions: QUIET,
  });
  // `save_as`: the template as typed (before its personal line was placed), once the request was valid.
  if (saveAs && typeof fields.template === 'string' && outcome.kind !== 'invalid')
    await saveFromForm(deps, identity, { name: saveAs, body: fields.template }, async (content) => {
      await interaction.followUp({ content, flags: EPHEMERAL, allowedMentions: QUIET });
    });
  return outcome.kind;
}

const STARTING = 'Starting…';

/**
 * A form submitted with a template that has no recipient placeholder and no personal-line choice:
 * what was typed is held (requests/held-request.ts) and the question is answered with buttons that
 * start it — a Discord form cannot open another form, and nobody should type it all again.
 */
async function askPersonalLine(
  deps: DiscordBotDeps,
  interaction: ModalSubmitInteraction,
  typed: HeldRequest,
  notice: string,
): Promise<string> {
  const { key, saved } = holdRequest(deps, typed);
  await interaction.reply({
    content: `${notice}\nWhat you typed is kept: choose below and the email starts from it. Nothing was started yet.`,
    components: personalLineButtons(key),
    flags: EPHEMERAL,
  });
  await saved;
  return 'no-recipient-slot';
}

/** A button answering the no-placeholder question: the held request starts, with the chosen place. */
export async function handlePersonalLineButton(deps: DiscordBotDeps, interaction: ButtonInteraction): Promise<string> {
  const parsed = parsePersonalLineButton(interaction.customId);
  if (!parsed) return 'ignored';
  if (!interaction.inGuild() || !servesGuild(deps, interaction.guildId)) {
    await interaction.reply({ content: NOT_SERVED, flags: EPHEMERAL });
    return 'refused:guild';
  }
  const taken = takeHeldRequest(parsed.key, identityOf(interaction));
  if (taken.kind === 'not-yours') {
    await interaction.reply({ content: 'Only the person who filled in that form can answer it.', flags: EPHEMERAL });
    return 'refused:not-yours';
  }
  if (taken.kind === 'expired') {
    await interaction.update({
      content:
        'That question has expired or was answered already. Run `/scribe` again: the form opens with your template.',
      components: [],
    });
    return 'expired';
  }
  const { held } = taken;
  return runStart(
    deps,
    interaction,
    held.channelId,
    { ...held.request, who: held.who },
    parsed.choice,
    held.fresh,
    held.review,
    held.saveAs,
  );
}

/** The request, when it and its "Who exactly?" text are valid (the start validates them again and words any problem). */
function validStart(request: unknown, who: string | undefined): { template: string } | undefined {
  try {
    return parseStartFields({ request, who }).request;
  } catch (err) {
    if (err instanceof InvalidRequestError) return undefined;
    throw err;
  }
}

/** The no-placeholder notice, with where to answer it: the command's option or the form's field. */
export function personalLineQuestion(notice: string, interaction: { isChatInputCommand(): boolean }): string {
  const where = interaction.isChatInputCommand()
    ? `Run the command again with \`${PERSONAL_LINE_INPUT}\` (${PERSONAL_LINE_WHERE}).`
    : 'Run `/scribe` again and choose one under **Personal line** on the form.';
  return `${notice}\n${where} Nothing was started.`;
}
const PERSONAL_LINE_WHERE = 'After the greeting, Before the sign-off, or None';

const POST_NEEDS = {
  'View Channel': PermissionFlagsBits.ViewChannel,
  'Send Messages': PermissionFlagsBits.SendMessages,
  'Embed Links': PermissionFlagsBits.EmbedLinks,
};
const THREAD_NEEDS = {
  'Create Public Threads': PermissionFlagsBits.CreatePublicThreads,
  'Send Messages in Threads': PermissionFlagsBits.SendMessagesInThreads,
};

/** What the bot lacks in the interaction's channel, by name (Discord sends its permissions along). */
export function missingPermissions(app: Readonly<PermissionsBitField> | null | undefined): StartPlace['missing'] {
  // Without the field (never in a guild), let REST answer instead.
  if (!app) return { post: [], thread: [] };
  const lacking = (needs: Record<string, bigint>) =>
    Object.entries(needs)
      .filter(([, bit]) => !app.has(bit))
      .map(([name]) => name);
  return { post: lacking(POST_NEEDS), thread: lacking(THREAD_NEEDS) };
}

const FIELD_NAMES: Record<RequestField, string> = {
  template: INPUTS.template,
  recipientName: INPUTS.recipientName,
  recipientInterest: INPUTS.recipientInterest,
  identityHint: WHO_OPTION,
};

/** Each bad field on its line, by the name the person typed it under. */
function invalidText(fields: InvalidRequestError['fields']): string {
  const lines = Object.entries(fields).map(
    ([field, message]) => `• \`${FIELD_NAMES[field as RequestField]}\`: ${message}`,
  );
  return `I couldn't start that email:\n${lines.join('\n')}`;
}

/** What the person is told (ephemerally) about their request. */
export function startReply(outcome: StartOutcome, port: ReturnType<typeof startPort>, channelId: string): string {
  switch (outcome.kind) {
    case 'invalid':
      return invalidText(outcome.fields);
    case 'quota':
    case 'budget':
      return refusalText(outcome);
    case 'cannot-post':
      return (
        `I can't post in <#${channelId}>: I'm missing ${list(port.cannotPost)} there. ` +
        'Ask a server admin to allow Scribe in this channel, or run /scribe in another one. Nothing was started.'
      );
    case 'contacted':
      return `${escapeMarkdown(contactedText(outcome.outreach))} Nothing was started. Write to them again?`;
    case 'draft-gone':
      return 'That request is no longer kept (it was started already, or it is over a day old). Run /scribe again.';
    case 'started': {
      const name = escapeMarkdown(outcome.generation.recipientName);
      if (outcome.threadId)
        return `✍️ Drafting your email to **${name}** in <#${outcome.threadId}>. You'll be notified there when it's ready.`;
      const why =
        port.threadProblem && port.threadProblem !== 'failed'
          ? `I'm missing ${list(port.threadProblem.missing)} here (a server admin can allow them)`
          : 'Discord did not let me';
      return (
        `✍️ Drafting your email to **${name}** right here in <#${channelId}>. I couldn't start a thread — ${why} — ` +
        'so the progress and the email will be posted in this channel.'
      );
    }
  }
}

function list(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? 'a permission') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/**
 * 📋 Copy: the bare email as the `content` of ephemeral replies (Copy Text copies content exactly;
 * the V2 result has none), in pieces of 2,000 at the same clean boundaries as ever, with no link
 * previews and no pings. Read under the same team and message rule as every action (readCopy).
 */
async function copyEmail(
  deps: DiscordBotDeps,
  interaction: ButtonInteraction<'cached' | 'raw'>,
  generationId: string,
): Promise<string> {
  const email = await readCopy(deps.pool, {
    generationId,
    actor: { platform: 'discord', teamId: interaction.guildId },
    messageId: interaction.message.id,
  });
  if (!email) {
    await interaction.reply({
      content: 'That email is not available any more. Run `/scribe` to write a new one.',
      flags: EPHEMERAL,
    });
    return 'copy:missing';
  }
  const flags = EPHEMERAL | MessageFlags.SuppressEmbeds;
  const [first, ...rest] = emailParts(email);
  await interaction.reply({ content: first?.text || '(empty)', flags, allowedMentions: QUIET });
  for (const piece of rest) await interaction.followUp({ content: piece.text, flags, allowedMentions: QUIET });
  return 'copy';
}

/** "Regenerate" / "Shorter" under a result. */
export async function handleResultButton(deps: DiscordBotDeps, interaction: ButtonInteraction): Promise<string> {
  const parsed = parseResultButton(interaction.customId);
  if (!parsed || !interaction.inGuild()) return 'ignored';
  if (!servesGuild(deps, interaction.guildId)) {
    await interaction.reply({ content: NOT_SERVED, flags: EPHEMERAL });
    return 'refused:guild';
  }
  if (parsed.action === 'copy') return copyEmail(deps, interaction, parsed.generationId);
  const identity = identityOf(interaction);
  // The review's and "Which …?"'s buttons are bound to the generation's thread: the channel their message is in.
  const bound = boundToThread(ACTIONS[parsed.action].on) ? interaction.message.channelId : interaction.message.id;
  if (isFormAction(parsed.action)) {
    // Checked before the form opens (the modal must be the first answer, within 3 s: no remote calls).
    const prepared = await prepareForm(
      deps,
      { isAdmin: async () => identity.isAdmin ?? false },
      parsed.action,
      { generationId: parsed.generationId, actor: identity, messageId: bound, requestedAt: interaction.createdAt },
      DISCORD_LIMITS.textInputValue,
    );
    if (prepared.kind === 'open') {
      await interaction.showModal(renderEditModal(parsed.action, parsed.generationId, bound, prepared.text));
      return `form:${parsed.action}`;
    }
    const reply = async (content: string) => {
      await interaction.reply({ content, flags: EPHEMERAL, allowedMentions: QUIET });
    };
    return answerAction(prepared, {
      action: parsed.action,
      trigger: 'button',
      style: DISCORD_STYLE,
      tell: reply,
      logger: deps.logger,
    });
  }
  await interaction.deferUpdate();
  const outcome = await requestAction(
    deps,
    actionPort(deps, identity.platformUserId, async () => identity.isAdmin ?? false),
    {
      action: parsed.action,
      generationId: parsed.generationId,
      option: parsed.option,
      actor: identity,
      messageId: bound,
      // A batch row's Retry (on its failure reply) is bound to the batch's thread: this channel.
      threadId: interaction.message.channelId,
      // The interaction's snowflake holds the moment the person clicked.
      requestedAt: interaction.createdAt,
    },
  );
  const tell = async (content: string) => {
    await interaction.followUp({ content, flags: EPHEMERAL, allowedMentions: QUIET });
  };
  return answerAction(outcome, {
    action: parsed.action,
    trigger: 'button',
    style: DISCORD_STYLE,
    tell,
    logger: deps.logger,
  });
}

/** An Edit / Edit research form was saved: the new version (or research) in the thread, the outcome said privately. */
export async function handleFormSubmission(deps: DiscordBotDeps, interaction: ModalSubmitInteraction): Promise<string> {
  const parsed = parseFormModal(interaction.customId);
  if (!parsed || !interaction.inGuild()) return 'ignored';
  if (!servesGuild(deps, interaction.guildId)) {
    await interaction.reply({ content: NOT_SERVED, flags: EPHEMERAL });
    return 'refused:guild';
  }
  await interaction.deferReply({ flags: EPHEMERAL });
  const identity = identityOf(interaction);
  const text = interaction.fields.getTextInputValue(FORM_INPUT);
  const input = {
    generationId: parsed.generationId,
    actor: identity,
    messageId: parsed.messageId,
    requestedAt: interaction.createdAt,
  };
  const port = editPort(deps, async () => identity.isAdmin ?? false);
  const outcome = await saveForm(deps, port, parsed.form, input, text);
  const tell = async (content: string) => {
    await interaction.editReply({ content, allowedMentions: QUIET });
  };
  return answerAction(outcome, {
    action: parsed.form,
    trigger: 'button',
    style: DISCORD_STYLE,
    tell,
    logger: deps.logger,
  });
}

/** 🔁 or 🔄 on a result message: a new version, if the reactor asked for it (or moderates). */
export async function handleReaction(
  deps: DiscordBotDeps,
  reaction: MessageReaction | PartialMessageReaction,
  user: User | PartialUser,
): Promise<string> {
  if (user.id === reaction.client.user.id || user.bot) return 'ignored:bot';
  if (!REGENERATE_REACTIONS.includes(reaction.emoji.name ?? '')) return 'ignored:emoji';
  const guildId = reaction.message.guildId;
  if (!guildId) return 'ignored:no-guild';
  if (!servesGuild(deps, guildId)) return 'ignored:guild';
  const parent = await reactedTo(deps.pool, 'discord', reaction.message.id);
  if (!parent) return 'ignored:not-a-result';
  const outcome = await requestAction(
    deps,
    actionPort(deps, user.id, () => canManageMessages(reaction, user.id, parent.channelId)),
    {
      action: 'regenerate',
      generationId: parent.id,
      actor: {
        platform: 'discord',
        teamId: guildId,
        platformUserId: user.id,
        displayName: user.globalName ?? user.username ?? null,
      },
      messageId: reaction.message.id,
      // A reaction carries no time of its own: the time it arrived.
    },
  );
  const tell = tellInThread(deps, parent.threadId ?? parent.channelId, user.id);
  return answerAction(outcome, {
    action: 'regenerate',
    trigger: 'reaction',
    style: DISCORD_STYLE,
    tell,
    logger: deps.logger,
  });
}

/** Whether the member may moderate the channel (Manage Messages), asking Discord for the member if needed. */
async function canManageMessages(
  reaction: MessageReaction | PartialMessageReaction,
  userId: string,
  channelId: string | null,
): Promise<boolean> {
  const guild = reaction.message.guild;
  if (!guild) return false;
  const member = await guild.members.fetch(userId).catch(() => undefined);
  if (!member) return false;
  const channel = channelId ? guild.channels.cache.get(channelId) : undefined;
  return (channel ? member.permissionsIn(channel) : member.permissions).has(PermissionFlagsBits.ManageMessages);
}
