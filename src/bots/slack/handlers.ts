/**
 * Slack listeners, thin: parse what the payload carries (zod), acknowledge — always before anything
 * slow, Slack gives up after 3 s — then hand over to the request layer (src/requests/) with
 * Slack's port, and say the outcome. Each returns a short outcome name, which register.ts logs and
 * passes to `onOutcome` (tests wait on it). They take plain payloads and functions, so they run
 * without Bolt.
 */
import { z } from 'zod';
import type { types } from '@slack/bolt';
import { ACTIONS, boundToThread, isFormAction } from '../../requests/actions.ts';
import { prepareForm, saveForm } from '../../requests/edit.ts';
import { InvalidRequestError } from '../../errors.ts';
import { parseStartFields, type GenerationRequest } from '../../requests/commit/start.ts';
import type { IdentityHint } from '../../pipeline/types.ts';
import { reactedTo, requestAction } from '../../requests/act.ts';
import { readCopy } from '../../requests/info.ts';
import type { UserIdentity } from '../../requests/types.ts';
import { lastRefused, prepareStart, startGeneration } from '../../requests/start.ts';
import { placePersonalLine } from '../../requests/personal-line.ts';
import { BEFORE_ACK_DEADLINE_MS, loadFormPrefill, within } from '../shared/form-prefill.ts';
import { answerAction, refusalText } from '../shared/outcomes.ts';
import { openBatchModal } from './batch-handlers.ts';
import { openProfileModal } from './profile.ts';
import { openTemplatesModal } from './templates.ts';
import { readTemplate } from '../../requests/templates.ts';
import { saveFromForm } from '../shared/templates.ts';
import type { ResponseMessage, SlackBotDeps } from './deps.ts';
import {
  FORM_IDS,
  formActionOf,
  parseFeedbackValue,
  parseOptionButton,
  parseResultButton,
  PERSONAL_LINE_INPUT,
  REGENERATE_REACTIONS,
  TEMPLATE_IDS,
  WHO_INPUT,
} from './ids.ts';
import { HELP, infoReply } from './info.ts';
import {
  fieldErrors,
  formMetadataOf,
  FormSubmissionSchema,
  metadataOf,
  type ModalMetadata,
  noticeModal,
  PICKED_KEY,
  renderDraftModal,
  renderEditModal,
  requestOf,
  SLACK_INPUT_LIMIT,
  SubmissionSchema,
} from './modal.ts';
import {
  actionPort,
  editPort,
  SLACK_STYLE,
  startPort,
  tellInThread,
  tellViaResponseUrl,
  titleAgentThread,
} from './port.ts';
import { renderCopy } from './render.ts';
import { exportOutreach, renderContacted } from './outreach.ts';

/** A slash command's ack: nothing, or an ephemeral answer. */
export type CommandAck = (response?: { text: string; response_type?: 'ephemeral' }) => Promise<void>;
/** A view_submission's ack: close (nothing), errors on fields, or another view. */
export type ViewAck = (
  response?:
    | { response_action: 'errors'; errors: Record<string, string> }
    | { response_action: 'update'; view: types.ModalView },
) => Promise<void>;
/** A plain ack (buttons). */
export type Ack = () => Promise<void>;
/** An answer through the request's response URL (Bolt's `respond`). */
export type Respond = (message: ResponseMessage) => Promise<unknown>;
type Identity = UserIdentity & { platform: 'slack' };

/** A Slack `ts` ("1700000000.000100") as a time; undefined when it is not one. */
function tsTime(ts: string | undefined): Date | undefined {
  const at = ts === undefined ? Number.NaN : Number(ts) * 1000;
  return Number.isFinite(at) ? new Date(at) : undefined;
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

/**
 * The command's and the form's code run once at start (requests/warm.ts): the payload schemas'
 * first parse compiles them, and the form is rendered once. Nothing is sent.
 */
export function warmSlackHandlers(): void {
  const sample = {
    text: '',
    user_id: 'U0WARM',
    team_id: 'T0WARM',
    channel_id: 'C0WARM',
    trigger_id: '0.0.warm',
    response_url: 'https://hooks.slack.com/commands/T0WARM/0/warm',
  };
  CommandSchema.parse(sample);
  SubmissionSchema.safeParse({ view: { private_metadata: '', state: { values: {} } }, user: { id: 'U0WARM' } });
  renderDraftModal({ channel: sample.channel_id, responseUrl: sample.response_url });
}

/** `/scribe`: the modal, or help / history / status, for the caller only. */
export async function handleScribeCommand(
  deps: SlackBotDeps,
  args: { body: unknown; ack: CommandAck; respond: Respond },
): Promise<string> {
  const command = CommandSchema.parse(args.body);
  const user: Identity = {
    platform: 'slack',
    teamId: command.team_id,
    platformUserId: command.user_id,
    displayName: command.user_name ?? null,
  };
  const word = command.text.trim().toLowerCase();
  if (word === '') {
    await args.ack();
    const place = { channel: command.channel_id, responseUrl: command.response_url, triggerId: command.trigger_id };
    return openDraftModal(deps, place, user);
  }
  if (word === 'batch') {
    await args.ack();
    const place = { channel: command.channel_id, responseUrl: command.response_url, triggerId: command.trigger_id };
    return openBatchModal(deps, place, user);
  }
  if (word === 'profile') {
    await args.ack();
    const place = { channel: command.channel_id, responseUrl: command.response_url, triggerId: command.trigger_id };
    return openProfileModal(deps, place, user);
  }
  if (word === 'templates') {
    await args.ack();
    const place = { channel: command.channel_id, responseUrl: command.response_url, triggerId: command.trigger_id };
    return openTemplatesModal(deps, place, user);
  }
  if (word === 'help') {
    await args.ack({ response_type: 'ephemeral', text: HELP });
    return 'help';
  }
  if (word === 'export') {
    await args.ack();
    const text = await exportOutreach(deps, user);
    if (text) await args.respond({ response_type: 'ephemeral', text });
    return 'export';
  }
  if (word === 'history' || word === 'status') {
    await args.ack();
    await args.respond({ response_type: 'ephemeral', text: await infoReply(deps, word, user, command.team_domain) });
    return word;
  }
  await args.ack({
    response_type: 'ephemeral',
    text: `I don't know \`/scribe ${command.text.trim().slice(0, 50)}\`.\n\n${HELP}`,
  });
  return 'unknown';
}

/** The `/scribe` form (from the command, or the agent view's button), prefilled with the last template. */
export async function openDraftModal(
  deps: SlackBotDeps,
  place: ModalMetadata & { triggerId: string },
  user: UserIdentity,
): Promise<string> {
  const { triggerId, ...metadata } = place;
  // The trigger id lasts 3 s: the prefill may not hold up the modal.
  const prefill = await loadFormPrefill(deps, user);
  await deps.client.views.open({
    trigger_id: triggerId,
    view: renderDraftModal(
      metadata,
      prefill?.template,
      prefill?.review,
      prefill ? { templates: prefill.templates } : undefined,
    ),
  });
  // After the modal is open, nothing waits on it: the submission's ack then needs no database
  // for anyone this check does not refuse. It waits for the acks on their way first (`yieldTo`):
  // the forms opened in a burst are submitted in one.
  await deps.yieldTo?.();
  await prepareStart(deps, user).catch((err: unknown) => deps.logger.warn({ err }, 'could not check the quota'));
  return 'modal';
}

/** The modal was submitted: errors on the fields, the quota on the modal, or close it and start. */
export async function handleDraftSubmission(
  deps: SlackBotDeps,
  args: { body: unknown; ack: ViewAck },
): Promise<string> {
  const submission = SubmissionSchema.parse(args.body);
  const metadata = metadataOf(submission.view.private_metadata);
  if (!metadata) {
    await args.ack({
      response_action: 'update',
      view: noticeModal('Form out of date', 'This form is out of date. Close it and run `/scribe` again.'),
    });
    return 'stale';
  }
  const identity: Identity = {
    platform: 'slack',
    teamId: submission.team?.id ?? submission.user.team_id ?? '',
    platformUserId: submission.user.id,
    displayName: submission.user.name ?? null,
  };
  const typed = requestOf(submission);
  // A saved template too long for the field was picked, and the field left empty: that template.
  const pickedId = submission.view.state.values[PICKED_KEY];
  if (typed.template.trim() === '' && pickedId !== undefined) {
    const saved = await within(
      deps.logger,
      readTemplate(deps.pool, identity, pickedId),
      BEFORE_ACK_DEADLINE_MS,
      'read the saved template',
    );
    if (saved) typed.template = saved.body;
  }
  let request: GenerationRequest;
  let identityHint: IdentityHint | undefined;
  try {
    ({ request, identityHint } = parseStartFields({ request: typed, who: submission.view.state.values[WHO_INPUT] }));
  } catch (err) {
    if (!(err instanceof InvalidRequestError)) throw err;
    await args.ack({ response_action: 'errors', errors: fieldErrors(err.fields, pickedId) });
    return 'invalid';
  }
  const placed = placePersonalLine(request.template, submission.view.state.values.personal_line);
  if (placed.notice !== undefined) {
    await args.ack({ response_action: 'errors', errors: { [PERSONAL_LINE_INPUT]: placed.notice } });
    return 'no-recipient-slot';
  }
  const asTyped = request.template;
  request = { ...request, template: placed.template };
  // The quota is said on the modal itself only for a person whose last check (the command that
  // opened this form) refused them, confirmed here; anyone else is acked at once, and the flow checks
  // under the lock and tells them privately if refused. The ack waits on no database otherwise.
  const prepared = lastRefused(deps, identity)
    ? await within(deps.logger, prepareStart(deps, identity), BEFORE_ACK_DEADLINE_MS, 'check the quota')
    : undefined;
  if (prepared?.refusal) {
    const title = prepared.refusal.kind === 'budget' ? 'Daily budget reached' : 'Daily quota reached';
    await args.ack({ response_action: 'update', view: noticeModal(title, refusalText(prepared.refusal)) });
    return prepared.refusal.kind;
  }
  await args.ack();
  const port = startPort(deps, {
    userId: identity.platformUserId,
    channel: metadata.channel,
    responseUrl: metadata.responseUrl,
    recipientName: request.recipientName,
  });
  const review = submission.view.state.values.review_research;
  const saveAs = submission.view.state.values[TEMPLATE_IDS.saveAs].trim();
  if (saveAs !== '')
    await saveFromForm(
      deps,
      identity,
      { name: saveAs, body: asTyped },
      tellViaResponseUrl(deps, metadata.responseUrl, identity.platformUserId),
    );
  const outcome = await startGeneration(deps, port, {
    identity,
    request,
    identityHint,
    parsed: true,
    context: prepared?.context,
    options: { reviewResearch: review },
  });
  if (outcome.kind === 'started') {
    if (metadata.agentThread)
      await titleAgentThread(deps, metadata.channel, metadata.agentThread, request.recipientName);
    return `started:${port.where}`;
  }
  if (outcome.kind === 'contacted') {
    const warning = renderContacted(outcome.outreach, outcome.draftId);
    if (metadata.responseUrl) await deps.respond(metadata.responseUrl, { ...warning, replace_original: false });
    else await deps.client.chat.postMessage({ channel: identity.platformUserId, ...warning });
    return 'contacted';
  }
  // Another request took the last slot after the check above; the modal is closed by now.
  if (outcome.kind === 'quota' || outcome.kind === 'budget')
    await tellViaResponseUrl(deps, metadata.responseUrl, identity.platformUserId)(refusalText(outcome));
  return outcome.kind;
}

const ButtonSchema = z.looseObject({
  user: z.looseObject({
    id: z.string().min(1),
    name: z.string().optional(),
    username: z.string().optional(),
    team_id: z.string().optional(),
  }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  trigger_id: z.string().optional(),
  channel: z.looseObject({ id: z.string() }).nullish(),
  container: z.looseObject({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  message: z.looseObject({ ts: z.string().optional() }).optional(),
  actions: z.array(z.looseObject({ action_id: z.string(), value: z.uuid(), action_ts: z.string().optional() })).min(1),
});

/** "Regenerate", "Shorter" and "Copy as plain text" under a result; the value is the generation id. */
export async function handleResultButton(
  deps: SlackBotDeps,
  args: { body: unknown; ack: Ack; respond: Respond },
): Promise<string> {
  await args.ack();
  const body = ButtonSchema.parse(args.body);
  const [pressed] = body.actions;
  // A button with an option ("Which …?"'s candidates) names its action and option in its id.
  const withOption = pressed && parseOptionButton(pressed.action_id);
  const button = withOption ? withOption.action : pressed && parseResultButton(pressed.action_id);
  if (!pressed || !button) return 'ignored';
  const teamId = body.team?.id ?? body.user.team_id ?? '';
  const messageId = body.container?.message_ts ?? body.message?.ts ?? '';
  const tell = (text: string) =>
    args.respond({ response_type: 'ephemeral', replace_original: false, text }).then(() => undefined);
  if (button === 'copy') {
    const email = await readCopy(deps.pool, {
      generationId: pressed.value,
      actor: { platform: 'slack', teamId },
      messageId,
    });
    if (!email) {
      await tell('That email is not available any more. Run `/scribe` to write a new one.');
      return 'copy:missing';
    }
    await args.respond({ response_type: 'ephemeral', replace_original: false, ...renderCopy(email) });
    return 'copy';
  }
  const actor: Identity = {
    platform: 'slack',
    teamId,
    platformUserId: body.user.id,
    displayName: body.user.name ?? body.user.username ?? null,
  };
  // The review's and "Which …?"'s buttons are bound to the generation's thread (see requests/checks.ts).
  const bound = boundToThread(ACTIONS[button].on) ? (body.container?.thread_ts ?? '') : messageId;
  const input = {
    option: withOption?.option,
    generationId: pressed.value,
    actor,
    messageId: bound,
    // A batch row's Retry (on its failure reply) is bound to the batch's thread.
    threadId: body.container?.thread_ts ?? null,
    requestedAt: tsTime(pressed.action_ts),
  };
  if (isFormAction(button)) {
    // The checks before the form opens: another person hears at once that they may not.
    const prepared = await prepareForm(deps, editPort(deps, body.user.id), button, input, SLACK_INPUT_LIMIT);
    const channel = body.channel?.id;
    if (prepared.kind === 'open' && body.trigger_id && channel) {
      const metadata = { generationId: pressed.value, channel, messageId: bound, thread: prepared.generation.threadId };
      await deps.client.views.open({
        trigger_id: body.trigger_id,
        view: renderEditModal(button, metadata, prepared.text),
      });
      return `form:${button}`;
    }
    return answerAction(prepared, { action: button, trigger: 'button', style: SLACK_STYLE, tell, logger: deps.logger });
  }
  const outcome = await requestAction(deps, actionPort(deps, body.user.id), { action: button, ...input });
  return answerAction(outcome, { action: button, trigger: 'button', style: SLACK_STYLE, tell, logger: deps.logger });
}

const FeedbackPressSchema = ButtonSchema.extend({
  actions: z
    .array(
      z.looseObject({
        type: z.literal('feedback_buttons'),
        action_id: z.string(),
        value: z.string(),
        action_ts: z.string().optional(),
      }),
    )
    .min(1),
});

/**
 * 👍 / 👎 under a result (Slack's `feedback_buttons`): the pressed button's value names the action
 * and the version. Stored through the request layer like any action; the thanks is ephemeral.
 */
export async function handleFeedback(
  deps: SlackBotDeps,
  args: { body: unknown; ack: Ack; respond: Respond },
): Promise<string> {
  await args.ack();
  const body = FeedbackPressSchema.parse(args.body);
  const pressed = parseFeedbackValue(body.actions[0]?.value ?? '');
  if (!pressed) return 'ignored';
  const tell = (text: string) =>
    args.respond({ response_type: 'ephemeral', replace_original: false, text }).then(() => undefined);
  const outcome = await requestAction(deps, actionPort(deps, body.user.id), {
    action: pressed.action,
    generationId: pressed.generationId,
    actor: {
      platform: 'slack',
      teamId: body.team?.id ?? body.user.team_id ?? '',
      platformUserId: body.user.id,
      displayName: body.user.name ?? body.user.username ?? null,
    },
    messageId: body.container?.message_ts ?? body.message?.ts ?? '',
    requestedAt: tsTime(body.actions[0]?.action_ts),
  });
  return answerAction(outcome, {
    action: pressed.action,
    trigger: 'button',
    style: SLACK_STYLE,
    tell,
    logger: deps.logger,
  });
}

/**
 * An Edit or Edit research form was saved: the form closes at once, then the request layer posts
 * the new version (or the edited research) in the thread; the person hears the outcome privately.
 */
export async function handleFormSubmission(deps: SlackBotDeps, args: { body: unknown; ack: ViewAck }): Promise<string> {
  const submission = FormSubmissionSchema.parse(args.body);
  const metadata = formMetadataOf(submission.view.private_metadata);
  const action = formActionOf(submission.view.callback_id);
  if (!metadata || !action) {
    await args.ack({
      response_action: 'update',
      view: noticeModal('Form out of date', 'This form is out of date. Close it and press the button again.'),
    });
    return 'stale';
  }
  await args.ack();
  const values = submission.view.state.values;
  const input = {
    generationId: metadata.generationId,
    actor: {
      platform: 'slack' as const,
      teamId: submission.team?.id ?? submission.user.team_id ?? '',
      platformUserId: submission.user.id,
      displayName: submission.user.name ?? null,
    },
    messageId: metadata.messageId,
  };
  const port = editPort(deps, submission.user.id);
  const outcome = await saveForm(deps, port, action, input, values[FORM_IDS[action].input] ?? '');
  const tell = tellInThread(deps, metadata.channel, metadata.thread, submission.user.id);
  return answerAction(outcome, { action, trigger: 'button', style: SLACK_STYLE, tell, logger: deps.logger });
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
  if (!REGENERATE_REACTIONS.includes(name)) return 'ignored:emoji';
  const { channel, ts } = event.item;
  if (event.item.type !== 'message' || !channel || !ts) return 'ignored:not-a-message';
  if (!deps.recentEvents.claim(eventId)) return 'duplicate:event';
  const parent = await reactedTo(deps.pool, 'slack', ts);
  if (!parent || parent.channelId !== channel) return 'ignored:not-a-result';
  const outcome = await requestAction(deps, actionPort(deps, event.user), {
    action: 'regenerate',
    generationId: parent.id,
    actor: { platform: 'slack', teamId, platformUserId: event.user },
    messageId: ts,
    // The event's own time, which a redelivery keeps.
    requestedAt: tsTime(event.event_ts),
  });
  const tell = tellInThread(deps, channel, parent.threadId, event.user);
  return answerAction(outcome, {
    action: 'regenerate',
    trigger: 'reaction',
    style: SLACK_STYLE,
    tell,
    logger: deps.logger,
  });
}
