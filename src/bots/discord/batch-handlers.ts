/**
 * Discord's batch handlers, thin like handlers.ts: `/scribe recipients:<file.csv>` (the template
 * from the `template` option or the last one saved), `/scribe action:batch` (the form with a
 * multi-line field), the form's submission, and Cancel batch. Everything else is `startBatch` /
 * `requestBatchCancel` with Discord's ports.
 *
 * The CSV is downloaded from the attachment's URL, only from Discord's CDN over HTTPS (or the
 * configured API's own origin, which is where tests serve it), and only up to `MAX_CSV_BYTES`.
 */
import {
  MessageFlags,
  Routes,
  type Attachment,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type ModalSubmitInteraction,
  type RESTPostAPIChannelMessageResult,
  type RESTPostAPIChannelThreadsResult,
} from 'discord.js';
import { DEFAULTS } from '../../config.ts';
import { requestBatchCancel, startBatch, type BatchActionPort, type BatchPort } from '../../requests/batch.ts';
import { parseBatchRequest } from '../../requests/batch-input.ts';
import { readFormPrefill } from '../../requests/info.ts';
import { placePersonalLine, type PersonalLineChoice } from '../../requests/personal-line.ts';
import { CANNOT_POST } from '../../requests/port.ts';
import type { UserIdentity } from '../../requests/types.ts';
import { batchCancelReply, batchStartReply } from '../shared/batch-outcomes.ts';
import { loadFormPrefill } from '../shared/form-prefill.ts';
import { isMissingPermission } from './client.ts';
import { servesGuild, type DiscordBotDeps } from './deps.ts';
import {
  batchThreadName,
  parseBatchCancelId,
  RECIPIENTS_INPUT,
  batchHeader,
  renderBatch,
  renderBatchModal,
} from './batch-render.ts';
import { editBatch } from './batch-reporter.ts';
import { INPUTS, PERSONAL_LINE_INPUT } from './ids.ts';
import { personalLineChoice } from './modal.ts';
import { DISCORD_STYLE } from './port.ts';
import { identityOf } from './identity.ts';

const EPHEMERAL = MessageFlags.Ephemeral;
const QUIET = { parse: [] as [] };
/** A CSV of 500 recipients is ~50 KB; anything much larger is not a recipient list. */
export const MAX_CSV_BYTES = 256 * 1024;
/** Where Discord serves attachments: scheme, host and port exactly (`URL.origin`). */
const CDN_ORIGINS = new Set(['https://cdn.discordapp.com', 'https://media.discordapp.net']);

const batchMaxOf = (deps: DiscordBotDeps) => deps.batchMax ?? DEFAULTS.batchMax;

/** `/scribe action:batch`: the form. */
export async function showBatchModal(deps: DiscordBotDeps, interaction: ChatInputCommandInteraction): Promise<string> {
  const prefill = await loadFormPrefill(deps, identityOf(interaction));
  await interaction.showModal(renderBatchModal(prefill?.template, batchMaxOf(deps)));
  return 'batch-modal';
}

/** `/scribe recipients:<file>`: the batch from a CSV attachment. */
export async function handleBatchAttachment(
  deps: DiscordBotDeps,
  interaction: ChatInputCommandInteraction,
  channelId: string,
  attachment: Attachment,
  templateOption: string | undefined,
  personalLine: PersonalLineChoice | undefined,
): Promise<string> {
  await interaction.deferReply({ flags: EPHEMERAL });
  const say = async (content: string) => {
    await interaction.editReply({ content, allowedMentions: QUIET });
  };
  const text = await downloadCsv(attachment, deps.apiUrl).catch((err: unknown) => {
    deps.logger.warn({ err }, 'could not download the recipients file');
    return err instanceof CsvError ? err : new CsvError('I could not download that file; please attach it again.');
  });
  if (text instanceof CsvError) {
    await say(text.message);
    return 'batch:bad-file';
  }
  const identity = identityOf(interaction);
  // The reply is deferred, so no deadline: the last template is waited for.
  const template = templateOption ?? (await readFormPrefill(deps.pool, identity)).template;
  if (!template) {
    await say('Give the `template` option too (or run `/scribe` once first, so I have your last template).');
    return 'batch:no-template';
  }
  return runBatch(deps, identity, channelId, { template, recipients: text }, personalLine, say);
}

/** The batch form was submitted. */
export async function handleBatchSubmission(
  deps: DiscordBotDeps,
  interaction: ModalSubmitInteraction,
  channelId: string | null,
): Promise<string> {
  if (!interaction.inGuild() || !servesGuild(deps, interaction.guildId) || !channelId) {
    await interaction.reply({
      content: 'Use this form in a server channel where Scribe is enabled.',
      flags: EPHEMERAL,
    });
    return 'refused';
  }
  await interaction.deferReply({ flags: EPHEMERAL });
  const input = {
    template: interaction.fields.getTextInputValue(INPUTS.template),
    recipients: interaction.fields.getTextInputValue(RECIPIENTS_INPUT),
  };
  const say = async (content: string) => {
    await interaction.editReply({ content, allowedMentions: QUIET });
  };
  return runBatch(deps, identityOf(interaction), channelId, input, personalLineChoice(interaction), say);
}

async function runBatch(
  deps: DiscordBotDeps,
  identity: UserIdentity,
  channelId: string,
  input: { template: string; recipients: string },
  personalLine: PersonalLineChoice | undefined,
  say: (content: string) => Promise<void>,
): Promise<string> {
  // The batch's one template, asked about once for the whole batch, before anything is posted.
  // Bad rows are answered first, by startBatch.
  const placed = parseBatchRequest(input, batchMaxOf(deps)).ok
    ? placePersonalLine(input.template, personalLine)
    : { template: input.template };
  if (placed.notice !== undefined) {
    await say(
      `${placed.notice}\nGive \`${PERSONAL_LINE_INPUT}\` with the recipients file, or choose under **Personal line** on the batch form. Nothing was started.`,
    );
    return 'batch:no-recipient-slot';
  }
  input = { ...input, template: placed.template };
  const outcome = await startBatch(deps, batchPort(deps, channelId, identity.platformUserId), { identity, ...input });
  await say(batchStartReply(outcome, DISCORD_STYLE));
  return outcome.kind === 'started' ? `batch:${outcome.generations.length}` : `batch:${outcome.kind}`;
}

/** Discord's batch port: the parent message in the channel, a thread started on it. */
export function batchPort(deps: DiscordBotDeps, channelId: string, userId: string): BatchPort {
  return {
    async postBatch(view) {
      try {
        const message = (await deps.rest.post(Routes.channelMessages(channelId), {
          body: renderBatch(view, batchHeader(userId)),
        })) as RESTPostAPIChannelMessageResult;
        return { channelId, messageId: message.id };
      } catch (err) {
        if (isMissingPermission(err)) return CANNOT_POST;
        throw err;
      }
    },
    async openThread(parent, size) {
      try {
        const thread = (await deps.rest.post(Routes.threads(parent.channelId, parent.messageId), {
          body: { name: batchThreadName(size), auto_archive_duration: 10_080 },
        })) as RESTPostAPIChannelThreadsResult;
        await deps.rest
          .put(Routes.threadMembers(thread.id, userId))
          .catch((err: unknown) => deps.logger.warn({ err }, 'could not add the requester to the batch thread'));
        return thread.id;
      } catch (err) {
        deps.logger.warn({ err }, 'could not start a batch thread; the emails will be posted in the channel');
        return null;
      }
    },
    async remove(parent, threadId) {
      const quietly = (route: `/${string}`) =>
        deps.rest.delete(route).catch((err: unknown) => deps.logger.warn({ err, route }, 'could not remove a message'));
      if (threadId) await quietly(Routes.channel(threadId));
      await quietly(Routes.channelMessage(parent.channelId, parent.messageId));
    },
  };
}

/** Cancel batch, on the batch's parent message. */
export async function handleBatchCancel(deps: DiscordBotDeps, interaction: ButtonInteraction): Promise<string> {
  const batchId = parseBatchCancelId(interaction.customId);
  if (!batchId || !interaction.inGuild()) return 'ignored';
  await interaction.deferUpdate();
  const identity = identityOf(interaction);
  const port: BatchActionPort = {
    isAdmin: async () => identity.isAdmin ?? false,
    async showBatch(batch, view) {
      if (!batch.channelId || !batch.parentMessageId) return;
      await editBatch(deps.rest, batch.channelId, batch.parentMessageId, view);
    },
  };
  const outcome = await requestBatchCancel(deps, port, { batchId, actor: identity, messageId: interaction.message.id });
  const reply = batchCancelReply(outcome, DISCORD_STYLE);
  if (reply) await interaction.followUp({ content: reply, flags: EPHEMERAL, allowedMentions: QUIET });
  return outcome.kind === 'cancelled' ? `cancelled:${outcome.stopped}` : outcome.kind;
}

class CsvError extends Error {}

/**
 * The attachment's text: from Discord's CDN over HTTPS (or the API's own origin) only, at most
 * MAX_CSV_BYTES. The origin is compared whole: the right host over plain HTTP, or on another port,
 * is not Discord.
 */
export async function downloadCsv(
  attachment: Pick<Attachment, 'url' | 'size'>,
  apiUrl: string | undefined,
): Promise<string> {
  if (attachment.size > MAX_CSV_BYTES)
    throw new CsvError(
      `That file is ${Math.ceil(attachment.size / 1024)} KB; a recipients file can be at most ${MAX_CSV_BYTES / 1024} KB.`,
    );
  const url = new URL(attachment.url);
  const apiOrigin = apiUrl ? new URL(apiUrl).origin : undefined;
  if (!CDN_ORIGINS.has(url.origin) && url.origin !== apiOrigin)
    throw new CsvError('That file does not come from Discord.');
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
  if (!response.ok || !response.body)
    throw new CsvError(`Discord answered ${response.status} for that file; attach it again.`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > MAX_CSV_BYTES) throw new CsvError(`That file is over ${MAX_CSV_BYTES / 1024} KB.`);
    chunks.push(chunk);
  }
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}
