/**
 * Slack listeners, thin: parse what the payload carries (zod), acknowledge — always before anything
 * slow, Slack gives up after 3 s — then hand over to the flows (draft.ts, regeneration.ts, info.ts)
 * and say the outcome. Each returns a short outcome name, which register.ts logs and passes to
 * `onOutcome` (tests wait on it). They take plain payloads and functions, so they run without Bolt.
 */
import { z } from 'zod';
import type { types } from '@slack/bolt';
import { findByResultMessage, getGeneration } from '../../db/generations.ts';
import { lastTemplate } from '../../db/templates.ts';
import { upsertUser, type UserIdentity } from '../../db/users.ts';
import { InvalidRequestError, parseGenerationRequest, QuotaExceededError, remainingQuota, type GenerationRequest } from '../../jobs/enqueue.ts';
import type { ResponseMessage, SlackBotDeps } from './deps.ts';
import { startDraft } from './draft.ts';
import { HELP, infoText } from './info.ts';
import { draftModal, fieldErrors, metadataOf, noticeModal, requestOf, SubmissionSchema } from './modal.ts';
import { regenerationReply, requestRegeneration, type RegenerateAction } from './regeneration.ts';
import { ACTIONS, renderCopy } from './render.ts';

/** Reactions that ask for a new version: 🔁, 🔄, ♻️. */
export const REGENERATE_REACTIONS = ['repeat', 'arrows_counterclockwise', 'recycle'] as const;
/** Database work allowed before an ack; past it, go on without (the flow checks again later). */
const BEFORE_ACK_DEADLINE_MS = 1_500;

/** A slash command's ack: nothing, or an ephemeral answer. */
export type CommandAck = (response?: { text: string; response_type?: 'ephemeral' }) => Promise<void>;
/** A view_submission's ack: close (nothing), errors on fields, or another view. */
export type ViewAck = (response?: { response_action: 'errors'; errors: Record<string, string> } | { response_action: 'update'; view: types.ModalView }) => Promise<void>;
/** A plain ack (buttons). */
export type Ack = () => Promise<void>;
/** An answer through the request's response URL (Bolt's `respond`). */
export type Respond = (message: ResponseMessage) => Promise<unknown>;
type Identity = UserIdentity & { platform: 'slack' };

/** `promise`'s value, or undefined once `ms` have passed (or it failed: logged). */
async function within<T>(deps: SlackBotDeps, promise: Promise<T>, ms: number, what: string): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } catch (err) {
    deps.logger.warn({ err }, `could not ${what} in time; going on without`);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

const CommandSchema = z.looseObject({
  text: z.string().default(''),
  user_id: z.string().min(1),
  user_name: z.string().optional(),
  team_id: z.string().min(1),
  team_domain: z.string().optional(),
  channel_id: z.string().min(1),
  trigger_id: z.string().min(1),
  response_url: z.url(),
});

/** `/scribe`: the modal, or help / history / status, for the caller only. */
export async function handleCommand(deps: SlackBotDeps, args: { body: unknown; ack: CommandAck; respond: Respond }): Promise<string> {
  const command = CommandSchema.parse(args.body);
  const user: Identity = { platform: 'slack', teamId: command.team_id, platformUserId: command.user_id, displayName: command.user_name ?? null };
  const word = command.text.trim().toLowerCase();
  if (word === '') {
    await args.ack();
    // The trigger id lasts 3 s: the prefill may not hold up the modal.
    const prefill = await within(deps, upsertUser(deps.pool, user).then((u) => lastTemplate(deps.pool, u.id)), BEFORE_ACK_DEADLINE_MS, 'load the last template');
    await deps.client.views.open({
      trigger_id: command.trigger_id,
      view: draftModal({ channel: command.channel_id, responseUrl: command.response_url }, prefill),
    });
    return 'modal';
  }
  if (word === 'help') {
    await args.ack({ response_type: 'ephemeral', text: HELP });
    return 'help';
  }
  if (word === 'history' || word === 'status') {
    await args.ack();
    await args.respond({ response_type: 'ephemeral', text: await infoText(deps, word, user, command.team_domain) });
    return word;
  }
  await args.ack({ response_type: 'ephemeral', text: `I don't know \`/scribe ${command.text.trim().slice(0, 50)}\`.\n\n${HELP}` });
  return 'unknown';
}

/** The modal was submitted: errors on the fields, the quota on the modal, or close it and start. */
export async function handleDraftSubmission(deps: SlackBotDeps, args: { body: unknown; ack: ViewAck }): Promise<string> {
  const submission = SubmissionSchema.parse(args.body);
  const metadata = metadataOf(submission.view.private_metadata);
  if (!metadata) {
    await args.ack({ response_action: 'update', view: noticeModal('Form out of date', 'This form is out of date. Close it and run `/scribe` again.') });
    return 'stale';
  }
  let request: GenerationRequest;
  try {
    request = parseGenerationRequest(requestOf(submission));
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    await args.ack({ response_action: 'errors', errors: fieldErrors(err.fields) });
    return 'invalid';
  }
  const user: Identity = {
    platform: 'slack',
    teamId: submission.team?.id ?? submission.user.team_id ?? '',
    platformUserId: submission.user.id,
    displayName: submission.user.name ?? null,
  };
  const left = await within(deps, upsertUser(deps.pool, user).then((u) => remainingQuota(deps.pool, u.id, deps.dailyQuota)), BEFORE_ACK_DEADLINE_MS, 'check the quota');
  if (left === 0) {
    await args.ack({ response_action: 'update', view: noticeModal('Daily quota reached', new QuotaExceededError(deps.dailyQuota).message) });
    return 'quota';
  }
  await args.ack();
  const outcome = await startDraft(deps, { user, request, metadata });
  if (outcome.kind === 'quota') {
    // Another request took the last slot after the check above; the modal is closed by now.
    await tell(deps, metadata.responseUrl, user.platformUserId, outcome.message);
  }
  return outcome.kind === 'started' ? `started:${outcome.where}` : outcome.kind;
}

/** An ephemeral word: through the response URL when there is one, else a DM. */
async function tell(deps: SlackBotDeps, responseUrl: string | undefined, userId: string, text: string): Promise<void> {
  if (responseUrl) {
    const sent = await deps.respond(responseUrl, { text }).then(() => true, () => false);
    if (sent) return;
  }
  await deps.client.chat.postMessage({ channel: userId, text });
}

const ButtonSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), username: z.string().optional(), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.uuid() })).min(1),
});

const BUTTON_ACTIONS: Record<string, RegenerateAction | 'copy'> = {
  [ACTIONS.regenerate]: 'regenerate',
  [ACTIONS.shorter]: 'shorter',
  [ACTIONS.copy]: 'copy',
};

/** "Regenerate", "Shorter" and "Copy as plain text" under a result; the value is the generation id. */
export async function handleResultButton(deps: SlackBotDeps, args: { body: unknown; ack: Ack; respond: Respond }): Promise<string> {
  await args.ack();
  const body = ButtonSchema.parse(args.body);
  const [pressed] = body.actions;
  const action = pressed && BUTTON_ACTIONS[pressed.action_id];
  if (!pressed || !action) return 'ignored';
  const say = (text: string) => args.respond({ response_type: 'ephemeral', replace_original: false, text });
  if (action === 'copy') {
    const generation = await getGeneration(deps.pool, pressed.value);
    if (!generation?.email) {
      await say('That email is not available any more. Run `/scribe` to write a new one.');
      return 'copy:missing';
    }
    await args.respond({ response_type: 'ephemeral', replace_original: false, ...renderCopy(generation.email) });
    return 'copy';
  }
  const outcome = await requestRegeneration(deps, {
    generationId: pressed.value,
    action,
    actor: {
      platform: 'slack',
      teamId: body.team?.id ?? body.user.team_id ?? '',
      platformUserId: body.user.id,
      displayName: body.user.name ?? body.user.username ?? null,
    },
  });
  const reply = regenerationReply(outcome);
  if (reply) await say(reply);
  return outcome.kind;
}

const ReactionSchema = z.looseObject({
  event_id: z.string().min(1),
  team_id: z.string().min(1),
  event: z.looseObject({
    user: z.string().min(1),
    reaction: z.string(),
    item: z.looseObject({ type: z.string(), channel: z.string().optional(), ts: z.string().optional() }),
    event_ts: z.string().optional(),
  }),
});

/** :repeat: (or :arrows_counterclockwise:, :recycle:) on a result message: a new version, if the reactor may. */
export async function handleReaction(deps: SlackBotDeps, args: { body: unknown }): Promise<string> {
  const { event_id: eventId, team_id: teamId, event } = ReactionSchema.parse(args.body);
  // Skin tones and such arrive as `name::modifier`.
  const name = event.reaction.split('::')[0] ?? '';
  if (!(REGENERATE_REACTIONS as readonly string[]).includes(name)) return 'ignored:emoji';
  const { channel, ts } = event.item;
  if (event.item.type !== 'message' || !channel || !ts) return 'ignored:not-a-message';
  if (!deps.recentEvents.claim(eventId)) return 'duplicate:event';
  // Found by the stored message ids, never by reading channel history.
  const parent = await findByResultMessage(deps.pool, 'slack', ts);
  if (!parent || parent.channelId !== channel) return 'ignored:not-a-result';
  const requestedAt = event.event_ts ? new Date(Number(event.event_ts) * 1000) : undefined;
  const outcome = await requestRegeneration(deps, {
    generationId: parent.id,
    action: 'regenerate',
    actor: { platform: 'slack', teamId, platformUserId: event.user },
    ...(requestedAt && Number.isFinite(requestedAt.getTime()) ? { requestedAt } : {}),
  });
  if (outcome.kind === 'quota' || outcome.kind === 'cannot-post') {
    // No response URL for a reaction: an ephemeral in the thread, which needs the bot in the channel.
    await deps.client.chat
      .postEphemeral({ channel, user: event.user, text: regenerationReply(outcome) ?? '', ...(parent.threadId ? { thread_ts: parent.threadId } : {}) })
      .catch((err: unknown) => deps.logger.warn({ err, generationId: parent.id }, 'could not answer a reaction'));
  }
  // Others' reactions are ignored, as the design asks: a reaction is not a request to them.
  return outcome.kind === 'not-allowed' ? 'ignored:not-allowed' : outcome.kind;
}
