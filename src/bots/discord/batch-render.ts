/**
 * Discord's batch views: the "Several recipients" form (`/scribe action:batch`) and the batch's
 * parent message, Components V2 — who asked above a container holding the title, the table (rows
 * past its share of the 4,000 characters summarised), a footer line and Cancel batch while rows wait.
 */
import {
  ButtonStyle,
  ComponentType,
  TextInputStyle,
  type APIComponentInContainer,
  type APIModalInteractionResponseCallbackData,
} from 'discord-api-types/v10';
import { z } from 'zod';
import { batchTableLines, batchTitle, type BatchView, canCancelBatch } from '../../thread/batch-view.ts';
import { splitText } from '../split.ts';
import { personalLineField, templateField } from './modal.ts';
import { COLORS, DISCORD_LIMITS, escapeMarkdown, textDisplay, truncate, v2Message, type V2Message } from './render.ts';

export const BATCH_MODAL_ID = 'scribe:batch';
export const RECIPIENTS_INPUT = 'recipients';
const CANCEL_PREFIX = 'scribe:batch-cancel:';

/** `scribe:batch-cancel:<batchId>` — 56 characters, within Discord's 100. */
export function batchCancelId(batchId: string): string {
  return `${CANCEL_PREFIX}${batchId}`;
}

/** The batch a Cancel batch button names, or undefined when the id is not one. */
export function parseBatchCancelId(customId: string): string | undefined {
  if (!customId.startsWith(CANCEL_PREFIX)) return undefined;
  const id = z.uuid().safeParse(customId.slice(CANCEL_PREFIX.length));
  return id.success ? id.data : undefined;
}

/** The "Several recipients" form, prefilled with the last template. */
export function renderBatchModal(
  lastTemplate: string | undefined,
  max: number,
): APIModalInteractionResponseCallbackData {
  const prefill =
    lastTemplate && lastTemplate.length > DISCORD_LIMITS.textInputValue
      ? splitText(lastTemplate, DISCORD_LIMITS.textInputValue)[0]!.text
      : lastTemplate;
  return {
    custom_id: BATCH_MODAL_ID,
    title: 'Write to several researchers',
    components: [
      templateField(prefill),
      {
        type: ComponentType.Label,
        label: 'Recipients, one per line',
        description: `Name | research interest (tabs or commas work: paste spreadsheet rows). Up to ${max}.`,
        component: {
          type: ComponentType.TextInput,
          custom_id: RECIPIENTS_INPUT,
          style: TextInputStyle.Paragraph,
          required: true,
          max_length: DISCORD_LIMITS.textInputValue,
          placeholder: 'Dr. Ada Lovelace | analytical engines',
        },
      },
      personalLineField(),
    ],
  };
}

/** The header line ("Batch requested by <@…>") above the table: its share of the 4,000 characters. */
const BATCH_HEADER_MAX = 100;
const BATCH_TITLE_MAX = 256;
export const BATCH_FOOTER = 'Each email is posted in this thread, with its own buttons.';
/** The table's share: the rest, less the title's `### `, the footer's `-# ` and some room. */
const BATCH_TABLE_MAX = DISCORD_LIMITS.v2Text - BATCH_HEADER_MAX - BATCH_TITLE_MAX - BATCH_FOOTER.length - 50;

/** "Batch requested by <@…>": the line above the batch's table, posted once and kept on each edit. */
export function batchHeader(requesterId: string): string {
  return `Batch requested by <@${requesterId}>`;
}

/**
 * The parent message, Components V2: `header` (who asked) above a container coloured by how the
 * batch is going, with the title, the table, the footer and — while rows wait — Cancel batch. Every
 * component is sent, so an edit replaces the whole message (and must send the header again: see
 * `editBatch`).
 */
export function renderBatch(view: BatchView, header: string | undefined): V2Message {
  const table = batchTableLines(view, { maxChars: BATCH_TABLE_MAX }, escapeMarkdown).join('\n');
  const color = view.finished ? (view.counts.failed ? COLORS.failed : COLORS.succeeded) : COLORS.running;
  const children: APIComponentInContainer[] = [
    textDisplay(`### ${escapeMarkdown(truncate(batchTitle(view), BATCH_TITLE_MAX))}`),
    textDisplay(table || 'no recipients'),
    textDisplay(`-# ${BATCH_FOOTER}`),
  ];
  if (canCancelBatch(view))
    children.push({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Danger,
          label: 'Cancel batch',
          emoji: { name: '⏹️' },
          custom_id: batchCancelId(view.batchId),
        },
      ],
    });
  return v2Message(children, color, header === undefined ? undefined : truncate(header, BATCH_HEADER_MAX));
}

/** The batch's thread name within Discord's 100 characters. */
export function batchThreadName(size: number): string {
  return `Emails to ${size} recipients`;
}
