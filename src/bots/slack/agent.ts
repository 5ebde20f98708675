/**
 * Slack's agent view (issue 23, item 1): Scribe in its DM, answered in threads. The manifest's
 * `features.agent_view` shows the three suggested prompts; an app still on the older assistant view
 * gets them per thread on `assistant_thread_started`. A message is answered in its thread, with the
 * thread's status set while Scribe works on it: "Write to a professor" and "Batch from a list" with
 * a button that opens the same forms as `/scribe` and `/scribe batch` (a form needs a trigger id,
 * which only an interaction gives), "My outreach history" with the history `/scribe history` gives,
 * anything else with the form's button and a hint. An email started from there titles the thread
 * after its recipient (`titleAgentThread`, in port.ts). Everything else (the request, the flow, the
 * result) is the `/scribe` path's.
 */
import { z } from 'zod';
import type { UserIdentity } from '../../requests/types.ts';
import { openBatchModal } from './batch-handlers.ts';
import type { SlackBotDeps } from './deps.ts';
import { type Ack, openDraftModal } from './handlers.ts';
import { AGENT_BUTTON_IDS, AGENT_PROMPTS, type AgentPrompt } from './ids.ts';
import { infoReply } from './info.ts';

const ThreadStartedSchema = z.looseObject({
  event_id: z.string().min(1),
  event: z.looseObject({
    type: z.literal('assistant_thread_started'),
    assistant_thread: z.looseObject({ channel_id: z.string().min(1), thread_ts: z.string().min(1) }),
  }),
});

/** A thread opened in the agent view: its suggested prompts. */
export async function handleAgentThreadStarted(deps: SlackBotDeps, args: { body: unknown }): Promise<string> {
  const { event_id: eventId, event } = ThreadStartedSchema.parse(args.body);
  if (!deps.recentEvents.claim(eventId)) return 'duplicate:event';
  await deps.client.assistant.threads.setSuggestedPrompts({
    channel_id: event.assistant_thread.channel_id,
    thread_ts: event.assistant_thread.thread_ts,
    prompts: AGENT_PROMPTS.map((title) => ({ title, message: title })),
  });
  return 'agent:prompts';
}

const MessageSchema = z.looseObject({
  event_id: z.string().min(1),
  team_id: z.string().min(1),
  event: z.looseObject({
    type: z.literal('message'),
    channel: z.string().min(1),
    channel_type: z.string().optional(),
    user: z.string().optional(),
    text: z.string().default(''),
    ts: z.string().min(1),
    thread_ts: z.string().optional(),
    subtype: z.string().optional(),
    bot_id: z.string().optional(),
  }),
});

/** What a typed message asks for: a prompt's text, or (loosely) its key word. */
export function promptOf(text: string): AgentPrompt | undefined {
  const said = text.trim().toLowerCase();
  const exact = AGENT_PROMPTS.find((p) => p.toLowerCase() === said);
  if (exact) return exact;
  if (/\bhistory\b/.test(said)) return 'My outreach history';
  if (/\bbatch\b|\blist\b/.test(said)) return 'Batch from a list';
  if (/\b(write|email|professor)\b/.test(said)) return 'Write to a professor';
  return undefined;
}

const button = (text: string, actionId: string) => ({
  type: 'actions',
  elements: [{ type: 'button', style: 'primary', text: { type: 'plain_text', text }, action_id: actionId }],
});
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

const FORM_TEXT =
  'Fill in your template, the recipient’s name and their research interest: I research them and draft the email.';
const BATCH_TEXT =
  'Paste one `Name | research interest` per line: I write to each of them, every email in its own thread.';
/** Free text that is no prompt: the form (where a name and an interest go), and what else there is. */
const FREE_TEXT = `I write from a form: open it and put the recipient’s name and research interest there. Or pick *${AGENT_PROMPTS[1]}* or *${AGENT_PROMPTS[2]}*.`;

/** The thread's status while Scribe works on each kind of answer (`assistant.threads.setStatus`). */
export const AGENT_STATUS: Record<AgentPrompt | 'other', string> = {
  'Write to a professor': 'is getting the form ready…',
  'Batch from a list': 'is getting the batch form ready…',
  'My outreach history': 'is looking up your outreach…',
  other: 'is reading your message…',
};
/** Said in the thread when an answer could not be made. */
export const AGENT_FAILED =
  'Sorry, I could not answer that just now. Try again in a moment, or use `/scribe` (`/scribe history` for your emails).';

/** The answer to one prompt, as a message in the thread. */
async function answer(
  deps: SlackBotDeps,
  prompt: AgentPrompt | undefined,
  identity: UserIdentity,
): Promise<{ text: string; blocks?: unknown[] }> {
  if (prompt === 'Write to a professor')
    return { text: FORM_TEXT, blocks: [section(FORM_TEXT), button('Open the form', AGENT_BUTTON_IDS.form)] };
  if (prompt === 'Batch from a list')
    return { text: BATCH_TEXT, blocks: [section(BATCH_TEXT), button('Open the batch form', AGENT_BUTTON_IDS.batch)] };
  if (prompt === 'My outreach history') return { text: await infoReply(deps, 'history', identity) };
  return { text: FREE_TEXT, blocks: [section(FREE_TEXT), button('Open the form', AGENT_BUTTON_IDS.form)] };
}

/** Sets (or, with '', clears) the thread's status; best effort: a refused status never stops the answer. */
async function setStatus(
  deps: SlackBotDeps,
  place: { eventId: string; channel: string; threadTs: string },
  status: string,
): Promise<void> {
  const { eventId, channel, threadTs } = place;
  try {
    await deps.client.assistant.threads.setStatus({ channel_id: channel, thread_ts: threadTs, status });
    deps.logger.info(
      { event: status ? 'agent.status_set' : 'agent.status_cleared', eventId, status },
      'agent thread status',
    );
  } catch (err) {
    deps.logger.warn({ event: 'agent.status_failed', eventId, status, err }, 'could not set the agent thread status');
  }
}

/**
 * A person's message in a DM with Scribe (the agent view's conversation, or the Messages tab):
 * answered in its thread (the message's own when it starts one), with the thread's status set while
 * the answer is made and cleared after — also when it fails, which is then said in the thread.
 */
export async function handleAgentMessage(deps: SlackBotDeps, args: { body: unknown }): Promise<string> {
  const { event_id: eventId, team_id: teamId, event } = MessageSchema.parse(args.body);
  // Scribe's own posts, edits and deletions come as messages too; only what a person wrote is answered.
  if (event.channel_type !== 'im' || event.bot_id || event.subtype || !event.user) return 'ignored:not-a-person';
  if (!deps.recentEvents.claim(eventId)) return 'duplicate:event';
  const identity: UserIdentity = { platform: 'slack', teamId, platformUserId: event.user, displayName: null };
  const prompt = promptOf(event.text);
  const channel = event.channel;
  const threadTs = event.thread_ts ?? event.ts;
  const place = { eventId, channel, threadTs };
  await setStatus(deps, place, AGENT_STATUS[prompt ?? 'other']);
  try {
    const reply = await answer(deps, prompt, identity);
    await deps.client.chat.postMessage({
      channel,
      thread_ts: threadTs,
      text: reply.text,
      ...(reply.blocks ? { blocks: reply.blocks as never } : {}),
    });
  } catch (err) {
    await setStatus(deps, place, '');
    await deps.client.chat
      .postMessage({ channel, thread_ts: threadTs, text: AGENT_FAILED })
      .catch((e: unknown) =>
        deps.logger.warn({ event: 'agent.apology_failed', eventId, err: e }, 'could not say the failure'),
      );
    throw err;
  }
  await setStatus(deps, place, '');
  deps.logger.info({ event: 'agent.answered', eventId, prompt: prompt ?? null }, 'agent view message answered');
  return `agent:${prompt ?? 'free-text'}`;
}

const ButtonSchema = z.looseObject({
  user: z.looseObject({ id: z.string().min(1), name: z.string().optional(), team_id: z.string().optional() }),
  team: z.looseObject({ id: z.string().min(1) }).nullish(),
  trigger_id: z.string().min(1),
  channel: z.looseObject({ id: z.string().min(1) }),
  container: z.looseObject({ message_ts: z.string().optional(), thread_ts: z.string().optional() }).optional(),
  actions: z.array(z.looseObject({ action_id: z.string() })).min(1),
});

/** *Open the form* / *Open the batch form* under an agent answer: the `/scribe` forms, for that DM. */
export async function handleAgentButton(deps: SlackBotDeps, args: { body: unknown; ack: Ack }): Promise<string> {
  await args.ack();
  const body = ButtonSchema.parse(args.body);
  const identity: UserIdentity = {
    platform: 'slack',
    teamId: body.team?.id ?? body.user.team_id ?? '',
    platformUserId: body.user.id,
    displayName: body.user.name ?? null,
  };
  const place = { channel: body.channel.id, triggerId: body.trigger_id };
  if (body.actions[0]!.action_id === AGENT_BUTTON_IDS.batch) return openBatchModal(deps, place, identity);
  const thread = body.container?.thread_ts ?? body.container?.message_ts;
  return openDraftModal(deps, { ...place, ...(thread ? { agentThread: thread } : {}) }, identity);
}
