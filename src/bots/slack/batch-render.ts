/**
 * Slack's batch views: the "Several recipients" modal (`/scribe batch`, or the `/scribe` form's
 * mode switch: the template and a multi-line field, one recipient per line) and the batch's parent message — a title, the table in
 * one section (≤ 3,000 characters, rows past it summarised), the Cancel batch button while rows
 * wait. At most 4 blocks, far below Slack's 50.
 */
import type { types } from '@slack/bolt';
import { batchTableLines, batchTitle, type BatchView, canCancelBatch } from '../../thread/batch-view.ts';
import { splitText } from '../split.ts';
import { INPUT_ACTION_ID, INPUTS } from './ids.ts';
import { modeSwitchBlock, personalLineBlock, SLACK_INPUT_LIMIT, type ModalMetadata } from './modal.ts';
import { escapeMrkdwn, SLACK_SECTION_LIMIT, type SlackMessage } from './render.ts';

/** The batch modal's `callback_id`. */
export const BATCH_MODAL_ID = 'scribe_batch';
/** The recipients field's block id. */
export const RECIPIENTS_INPUT = 'recipients';
/** Cancel batch's `action_id`; its value is the batch id. */
export const BATCH_CANCEL_ID = 'scribe_batch_cancel';

/** The "Several recipients" modal, prefilled with the last template. */
export function renderBatchModal(
  metadata: ModalMetadata,
  lastTemplate: string | undefined,
  max: number,
): types.ModalView {
  const initial =
    lastTemplate && lastTemplate.length > SLACK_INPUT_LIMIT
      ? splitText(lastTemplate, SLACK_INPUT_LIMIT)[0]?.text
      : lastTemplate;
  return {
    type: 'modal',
    callback_id: BATCH_MODAL_ID,
    private_metadata: JSON.stringify(metadata),
    title: { type: 'plain_text', text: 'Scribe — batch' },
    submit: { type: 'plain_text', text: 'Draft the emails' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'input',
        block_id: INPUTS.template,
        label: { type: 'plain_text', text: 'Email template' },
        element: {
          type: 'plain_text_input',
          action_id: INPUT_ACTION_ID,
          multiline: true,
          max_length: SLACK_INPUT_LIMIT,
          ...(initial ? { initial_value: initial } : {}),
        },
      },
      {
        type: 'input',
        block_id: RECIPIENTS_INPUT,
        label: { type: 'plain_text', text: 'Recipients, one per line' },
        element: {
          type: 'plain_text_input',
          action_id: INPUT_ACTION_ID,
          multiline: true,
          max_length: SLACK_INPUT_LIMIT,
          placeholder: { type: 'plain_text', text: 'Dr. Ada Lovelace | analytical engines\nGrace Hopper | compilers' },
        },
        hint: {
          type: 'plain_text',
          text: `Name | research interest (a tab or comma works too: paste rows from a spreadsheet). Up to ${max}. For namesakes, a header row with optional affiliation and orcid columns says who exactly.`,
        },
      },
      personalLineBlock(),
      modeSwitchBlock('single'),
    ],
  };
}

/** The batch's parent message. */
export function renderBatch(view: BatchView): SlackMessage {
  const title = batchTitle(view);
  const table = batchTableLines(view, { maxChars: SLACK_SECTION_LIMIT - 100 }, escapeMrkdwn).join('\n');
  const blocks: SlackMessage['blocks'] = [
    { type: 'section', text: { type: 'mrkdwn', text: `*${escapeMrkdwn(title)}*` } },
    { type: 'section', text: { type: 'mrkdwn', text: table || '_no recipients_' } },
    {
      type: 'context',
      elements: [{ type: 'mrkdwn', text: 'Each email is posted in this thread, with its own buttons.' }],
    },
  ];
  if (canCancelBatch(view)) {
    blocks.push({
      type: 'actions',
      block_id: 'scribe_batch_actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: '⏹️ Cancel batch', emoji: true },
          action_id: BATCH_CANCEL_ID,
          value: view.batchId,
          style: 'danger',
        },
      ],
    });
  }
  return { text: escapeMrkdwn(title), blocks };
}
