/**
 * Slack's batch listeners, thin like handlers.ts: `/scribe batch` opens the "Several recipients"
 * modal; its submission is validated before the ack (every bad line shown on the field, the quota
 * with its numbers on the modal), then handed to `startBatch` with Slack's batch port; Cancel batch
 * goes to `requestBatchCancel`.
 *
 * A CSV file shared in a DM is not accepted (docs/decisions.md): a slash command carries no file,
 * so it would be a second, unrelated message event that the bot has to pair with a command.
 */
import { z } from 'zod';
import { DEFAULTS } from '../../config.ts';
import { parseBatchRequest } from '../../requests/batch-input.ts';
import { batchQuotaText } from '../../requests/batch-checks.ts';
import { describeProblems } from '../../requests/recipients.ts';
import { requestBatchCancel, startBatch, type BatchActionPort, type BatchPort } from '../../requests/batch.ts';
import { checkBatchStart } from '../../requests/batch-checks.ts';
import { loadStartContext } from '../../requests/context.ts';
import { placePersonalLine } from '../../requests/personal-line.ts';
import { CANNOT_POST } from '../../requests/port.ts';
import type { UserIdentity } from '../../requests/types.ts';
import { batchCancelReply, batchProblemsText, batchStartReply } from '../shared/batch-outcomes.ts';
import { BEFORE_ACK_DEADLINE_MS, loadFormPrefill, within } from '../shared/form-prefill.ts';
import { CANNOT_POST_CODES, slackErrorCode } from './client.ts';
import type { SlackBotDeps } from './deps.ts';
import { BATCH_CANCEL_ID, RECIPIENTS_INPUT, renderBatch, renderBatchModal } from './batch-render.ts';
import type { Ack, Respond, ViewAck } from './handlers.ts';
import { INPUT_ACTION_ID, INPUTS, PERSONAL_LINE_INPUT } from './ids.ts';
import { metadataOf, noticeModal, personalLineChoice, type ModalMetadata } from './modal.ts';
import { isWorkspaceAdmin, SLACK_STYLE, tellViaResponseUrl } from './port.ts';

const batchMaxOf = (deps: SlackBotDeps) => deps.batchMax ?? DEFAULTS.batchMax;

/** `/scribe batch`: the "Several recipients" modal, prefilled with the last template. */
export async function openBatchModal(
  deps: SlackBotDeps,
  place: ModalMetadata & { triggerId: string },
  user: UserIdentity,
): Promise<string> {
  const prefill = await loadFormPrefill(deps, user);
  await deps.client.views.open({
    trigger_id: place.triggerId,
    view: renderBatchModal(
      { channel: place.channel, responseUrl: place.responseUrl },
      prefill?.template,
      batchMaxOf(deps),
    ),
  });
  return 'batch-modal';
}

const value = z
  .looseObject({ [INPUT_ACTION_ID]: z.looseObject({ value: z.string().nullish() }).optional() })
  .optional()
  .transform((v) => v?.[INPUT_ACTION_ID]?.value ?? '');

const BatchSubmissionSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  view: z.looseObject({
    private_metadata: z.string(),
    state: z.looseObject({
      values: z.looseObject({
        [INPUTS.template]: value,
        [RECIPIENTS_INPUT]: value,
        [PERSONAL_LINE_INPUT]: personalLineChoice,
      }),
    }),
  }),
});

/** Slack shows a field error under its input; keep it readable (the lines themselves are short). */
const FIELD_ERROR_MAX = 2_000;

/** The batch modal was submitted: every bad line on the field, the quota on the modal, or start. */
export async function handleBatchSubmission(
  deps: SlackBotDeps,
  args: { body: unknown; ack: ViewAck },
): Promise<string> {
  const submission = BatchSubmissionSchema.parse(args.body);
  const metadata = metadataOf(submission.view.private_metadata);
  if (!metadata) {
    await args.ack({
      response_action: 'update',
      view: noticeModal('Form out of date', 'This form is out of date. Close it and run `/scribe batch` again.'),
    });
    return 'stale';
  }
  const values = submission.view.state.values;
  let input = { template: values[INPUTS.template], recipients: values[RECIPIENTS_INPUT] };
  // Nothing starts until every line is valid: the problems go back on the form, by line number.
  const parsed = parseBatchRequest(input, batchMaxOf(deps));
  if (!parsed.ok) {
    const templateProblem = parsed.template === undefined ? parsed.problems[0] : undefined;
    const lineProblems = templateProblem ? parsed.problems.slice(1) : parsed.problems;
    const errors: Record<string, string> = {};
    if (templateProblem) errors[INPUTS.template] = templateProblem.message;
    if (lineProblems.length)
      errors[RECIPIENTS_INPUT] = describeProblems(lineProblems).join('\n').slice(0, FIELD_ERROR_MAX);
    await args.ack({ response_action: 'errors', errors });
    return 'invalid';
  }
  // The batch's one template, asked about once for the whole batch, before anything is posted.
  const placed = placePersonalLine(input.template, values[PERSONAL_LINE_INPUT]);
  if (placed.notice !== undefined) {
    await args.ack({ response_action: 'errors', errors: { [PERSONAL_LINE_INPUT]: placed.notice } });
    return 'no-recipient-slot';
  }
  input = { ...input, template: placed.template };
  const identity: UserIdentity = {
    platform: 'slack',
    teamId: submission.team?.id ?? submission.user.team_id ?? '',
    platformUserId: submission.user.id,
    displayName: submission.user.name ?? null,
  };
  const size = parsed.request.recipients.length;
  const context = await within(
    deps.logger,
    loadStartContext(deps.pool, identity, deps.dailyQuota, undefined, deps.dailyBudgetUsd, true),
    BEFORE_ACK_DEADLINE_MS,
    'check the quota',
  );
  const refusal = context && checkBatchStart(context, size);
  if (refusal) {
    await args.ack({
      response_action: 'update',
      view: noticeModal(refusal.kind === 'budget' ? 'Daily budget' : 'Daily quota', batchQuotaText(refusal)),
    });
    return 'quota';
  }
  await args.ack();
  const tell = tellViaResponseUrl(deps, metadata.responseUrl, identity.platformUserId);
  const outcome = await startBatch(deps, batchPort(deps, metadata.channel, identity.platformUserId), {
    identity,
    ...input,
  });
  if (outcome.kind !== 'started')
    await tell(
      outcome.kind === 'invalid' ? batchProblemsText(outcome.problems) : batchStartReply(outcome, SLACK_STYLE),
    );
  return outcome.kind === 'started' ? `batch:${size}` : `batch:${outcome.kind}`;
}

/** Slack's batch port: the parent message in the channel; its thread hangs off it. */
export function batchPort(deps: SlackBotDeps, channel: string, userId: string): BatchPort {
  let mentionTs: string | undefined;
  const remove = async (ts: string | undefined) => {
    if (ts)
      await deps.client.chat
        .delete({ channel, ts })
        .catch((err: unknown) => deps.logger.warn({ err }, 'could not remove an unused message'));
  };
  return {
    async postBatch(view) {
      try {
        const { ts } = await deps.client.chat.postMessage({ channel, ...renderBatch(view), unfurl_links: false });
        if (!ts) throw new Error('chat.postMessage answered without a ts');
        return { channelId: channel, messageId: ts };
      } catch (err) {
        if (CANNOT_POST_CODES.has(slackErrorCode(err) ?? '')) return CANNOT_POST;
        throw err;
      }
    },
    async openThread(parent, size) {
      const text = `<@${userId}> I'll post the ${size === 1 ? 'email' : `${size} emails`} in this thread as they are ready.`;
      mentionTs = await deps.client.chat
        .postMessage({ channel, text, thread_ts: parent.messageId })
        .then((r) => r.ts)
        .catch((err: unknown) => {
          deps.logger.warn({ err }, 'could not mention the requester in the batch thread');
          return undefined;
        });
      return parent.messageId;
    },
    async remove(parent) {
      await remove(mentionTs);
      await remove(parent.messageId);
    },
  };
}

const CancelSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  container: z.looseObject({ message_ts: z.string().optional(), channel_id: z.string().optional() }).optional(),
  channel: z.looseObject({ id: z.string() }).optional(),
  message: z.looseObject({ ts: z.string().optional() }).optional(),
  actions: z.array(z.looseObject({ action_id: z.literal(BATCH_CANCEL_ID), value: z.uuid() })).min(1),
});

/** Cancel batch, on the batch's parent message. */
export async function handleBatchCancel(
  deps: SlackBotDeps,
  args: { body: unknown; ack: Ack; respond: Respond },
): Promise<string> {
  await args.ack();
  const body = CancelSchema.parse(args.body);
  const messageId = body.container?.message_ts ?? body.message?.ts ?? '';
  const port: BatchActionPort = {
    isAdmin: () => isWorkspaceAdmin(deps, body.user.id),
    async showBatch(batch, view) {
      if (batch.channelId && batch.parentMessageId)
        await deps.client.chat.update({ channel: batch.channelId, ts: batch.parentMessageId, ...renderBatch(view) });
    },
  };
  const outcome = await requestBatchCancel(deps, port, {
    batchId: body.actions[0]!.value,
    actor: {
      platform: 'slack',
      teamId: body.team?.id ?? body.user.team_id ?? '',
      platformUserId: body.user.id,
      displayName: body.user.name ?? null,
    },
    messageId,
  });
  const reply = batchCancelReply(outcome, SLACK_STYLE);
  if (reply) await args.respond({ response_type: 'ephemeral', replace_original: false, text: reply });
  return outcome.kind === 'cancelled' ? `cancelled:${outcome.stopped}` : outcome.kind;
}
