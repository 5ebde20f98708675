/**
 * Wires the Discord handlers to the client's events. Every handler runs inside the shared runner
 * (logs, `onOutcome`, handlers in flight); here Discord's part: a failure is answered privately
 * rather than left as "The application did not respond", and the channel of an interaction that
 * arrives without a `channel` object is read from its raw `channel_id`.
 */
import { handleWriteAnyway, parseWriteAnywayId } from './outreach.ts';
import {
  type Client,
  Events,
  MessageFlags,
  type GatewayDispatchPayload,
  type Interaction,
  type MessageReaction,
  type PartialMessageReaction,
  type PartialUser,
  RESTEvents,
  type User,
} from 'discord.js';
import { ackStarted } from '../shared/ack-first.ts';
import {
  createHandlerRunner,
  type HandlerRunner,
  type OnOutcome,
  type Registration,
  SORRY,
} from '../shared/handled.ts';
import { handleBatchCancel, handleBatchSubmission } from './batch-handlers.ts';
import { BATCH_MODAL_ID, parseBatchCancelId } from './batch-render.ts';
import { COMMAND_NAME } from './commands.ts';
import type { DiscordBotDeps } from './deps.ts';
import {
  handleDraftSubmission,
  handleFormSubmission,
  handleReaction,
  handlePersonalLineButton,
  handleResultButton,
  handleScribeCommand,
} from './handlers.ts';
import { parseFormModal, parsePersonalLineButton, TEMPLATE_IDS } from './ids.ts';
import { handleProfileSubmission, PROFILE_MODAL_ID } from './profile.ts';
import {
  handleTemplateAutocomplete,
  handleTemplateNew,
  handleTemplatePick,
  handleTemplateSubmission,
  isTemplateModal,
} from './templates.ts';

/** Interactions whose `channel_id` is remembered between the raw packet and the handler; they follow at once. */
const MAX_REMEMBERED = 100;

/**
 * discord.js sets `interaction.channelId` from the payload's `channel` object only; Discord
 * documents `channel_id` as the field and may send it alone. The raw packet is emitted just before
 * the interaction is built, so its `channel_id` is kept here by interaction id.
 */
function rawChannelIds(client: Client): (interaction: Interaction) => string | null {
  const byInteraction = new Map<string, string>();
  client.on(Events.Raw, (packet: GatewayDispatchPayload) => {
    if (packet.t !== 'INTERACTION_CREATE' || !packet.d.channel_id) return;
    byInteraction.set(packet.d.id, packet.d.channel_id);
    for (const key of byInteraction.keys()) {
      if (byInteraction.size <= MAX_REMEMBERED) break;
      byInteraction.delete(key);
    }
  });
  return (interaction) => {
    const raw = byInteraction.get(interaction.id);
    byInteraction.delete(interaction.id);
    const id = interaction.channelId ?? raw ?? null;
    return id === '' ? null : id;
  };
}

/** Discord's limit for an interaction's first answer: an ack still on its way after it never comes. */
const ACK_WITHIN_MS = 3_000;

/**
 * Each interaction's ack is on its way (ack-first.ts) from its arrival until its callback (a REST
 * call) has been answered, or its handler has ended without one.
 */
export function acksOnTheirWay(client: Pick<Client, 'rest'>): (interaction: Pick<Interaction, 'id'>) => () => void {
  const onTheirWay = new Map<string, () => void>();
  client.rest.on(RESTEvents.Response, (request) => {
    const id = /^\/interactions\/(\d+)\//.exec(request.path)?.[1];
    if (id) onTheirWay.get(id)?.();
  });
  return (interaction) => {
    const ended = ackStarted();
    const end = () => {
      clearTimeout(timer);
      onTheirWay.delete(interaction.id);
      ended();
    };
    const timer = setTimeout(end, ACK_WITHIN_MS);
    timer.unref();
    onTheirWay.set(interaction.id, end);
    return end;
  };
}

/** Wires the handlers to the client's events; every handler's failure is logged and answered. */
export function registerDiscordHandlers(client: Client, deps: DiscordBotDeps, onOutcome?: OnOutcome): Registration {
  const runner = createHandlerRunner(deps.logger, 'discord event handled', onOutcome);
  const channelOf = rawChannelIds(client);
  const ackOnItsWay = acksOnTheirWay(client);
  client.on(Events.InteractionCreate, (interaction) => {
    const sorry = () => apologise(interaction);
    const acked = ackOnItsWay(interaction);
    const run: HandlerRunner['run'] = (...args) => runner.run(...args).finally(acked);
    if (interaction.isChatInputCommand() && interaction.commandName === COMMAND_NAME) {
      const channelId = channelOf(interaction);
      void run('command', interaction.id, () => handleScribeCommand(deps, interaction, channelId), sorry);
    } else if (interaction.isModalSubmit() && parseFormModal(interaction.customId)) {
      channelOf(interaction);
      void run('modal', interaction.id, () => handleFormSubmission(deps, interaction), sorry);
    } else if (interaction.isAutocomplete() && interaction.commandName === COMMAND_NAME) {
      // Suggestions are not a request: a failure leaves the list empty, with nothing to apologise for.
      void run('command', interaction.id, () => handleTemplateAutocomplete(deps, interaction));
    } else if (interaction.isStringSelectMenu() && interaction.customId === TEMPLATE_IDS.pick) {
      void run('button', interaction.id, () => handleTemplatePick(deps, interaction), sorry);
    } else if (interaction.isButton() && interaction.customId === TEMPLATE_IDS.newButton) {
      void run('button', interaction.id, () => handleTemplateNew(deps, interaction), sorry);
    } else if (interaction.isModalSubmit() && isTemplateModal(interaction.customId)) {
      void run('modal', interaction.id, () => handleTemplateSubmission(deps, interaction), sorry);
    } else if (interaction.isModalSubmit() && interaction.customId === PROFILE_MODAL_ID) {
      channelOf(interaction);
      void run('modal', interaction.id, () => handleProfileSubmission(deps, interaction), sorry);
    } else if (interaction.isModalSubmit()) {
      const channelId = channelOf(interaction);
      const handle = interaction.customId === BATCH_MODAL_ID ? handleBatchSubmission : handleDraftSubmission;
      void run('modal', interaction.id, () => handle(deps, interaction, channelId), sorry);
    } else if (interaction.isButton()) {
      channelOf(interaction);
      const handle = parseBatchCancelId(interaction.customId)
        ? handleBatchCancel
        : parsePersonalLineButton(interaction.customId)
          ? handlePersonalLineButton
          : parseWriteAnywayId(interaction.customId)
            ? handleWriteAnyway
            : handleResultButton;
      void run('button', interaction.id, () => handle(deps, interaction), sorry);
    } else {
      channelOf(interaction);
      acked(); // not ours to answer
    }
  });
  client.on(
    Events.MessageReactionAdd,
    (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser) => {
      const id = `${reaction.message.id}:${user.id}:${reaction.emoji.name ?? reaction.emoji.id ?? ''}`;
      void runner.run('reaction', id, () => handleReaction(deps, reaction, user));
    },
  );
  return runner;
}

/** Something broke on our side: say so privately rather than leave "The application did not respond". */
async function apologise(interaction: Interaction): Promise<void> {
  if (!interaction.isRepliable()) return;
  const body = { content: SORRY, flags: MessageFlags.Ephemeral } as const;
  if (interaction.deferred || interaction.replied) await interaction.followUp(body);
  else await interaction.reply(body);
}
