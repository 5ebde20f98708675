/**
 * Discord's batch views: the "Several recipients" form (`/scribe action:batch`) and the batch's
 * parent message — the table in an embed's description (≤ 4,096 characters, rows past it
 * summarised), the content a short line (≤ 2,000), and Cancel batch while rows wait.
 */
import {
  ButtonStyle,
  ComponentType,
  TextInputStyle,
  type APIEmbed,
  type APIModalInteractionResponseCallbackData,
} from 'discord.js';
import { z } from 'zod';
import { batchTableLines, batchTitle, type BatchView, canCancelBatch } from '../../thread/batch-view.ts';
import { splitText } from '../split.ts';
import { personalLineField, templateField } from './modal.ts';
import { COLORS, DISCORD_LIMITS, escapeMarkdown, truncate, type ButtonRow } from './render.ts';

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

/** The parent message's body (content, embed, buttons); every field set, so an edit replaces all. */
export function renderBatch(
  view: BatchView,
  requesterId: string | undefined,
): {
  content: string;
  embeds: APIEmbed[];
  components: ButtonRow[];
  allowed_mentions: { parse: [] };
} {
  const table = batchTableLines(view, { maxChars: DISCORD_LIMITS.embedDescription - 100 }, escapeMarkdown).join('\n');
  const color = view.finished ? (view.counts.failed ? COLORS.failed : COLORS.succeeded) : COLORS.running;
  const components: ButtonRow[] = canCancelBatch(view)
    ? [
        {
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
        },
      ]
    : [];
  return {
    content: requesterId ? `Batch requested by <@${requesterId}>` : '',
    embeds: [
      {
        title: truncate(batchTitle(view), DISCORD_LIMITS.embedTitle),
        description: table || 'no recipients',
        color,
        footer: { text: 'Each email is posted in this thread, with its own buttons.' },
      },
    ],
    components,
    allowed_mentions: { parse: [] },
  };
}

/** The batch's thread name within Discord's 100 characters. */
export function batchThreadName(size: number): string {
  return `Emails to ${size} recipients`;
}
