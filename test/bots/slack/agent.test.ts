/**
 * The agent view's conversation, in process (real Bolt, Postgres and pg-boss; the fake Slack): each
 * suggested prompt, sent as the person's message in Scribe's DM, is answered in its thread with what
 * the person needs (the form's button, the batch instructions and button, the history); free text
 * gets the form's button and a hint; the thread's status is set while Scribe works and cleared after,
 * also when the answer fails (then said in the thread); `/scribe help` mentions the agent view.
 *
 * Slack's agent messaging experience (`agent_view`) sends the person's message top-level in the DM
 * and the app answers in its thread; an app on the older assistant view gets messages inside a
 * thread Slack opened (`assistant_thread_started`). Both shapes are covered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_FAILED, AGENT_STATUS } from '../../../src/bots/slack/agent.ts';
import { AGENT_BUTTON_IDS, AGENT_PROMPTS } from '../../../src/bots/slack/ids.ts';
import type { StoredMessage } from '../../fakes/slack/state.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});

afterAll(() => h?.close());

type Block = { type: string; text?: { text: string }; elements?: { action_id: string; text: { text: string } }[] };
const buttonOf = (m: StoredMessage) =>
  (m.blocks as Block[] | undefined)?.find((b) => b.type === 'actions')?.elements?.[0];

/**
 * The person writes `text` in their DM with Scribe (top-level, as with `agent_view`, unless
 * `threadTs`); resolves once Scribe has handled it, with Scribe's replies in the thread and the
 * statuses the thread went through.
 */
async function say(text: string, options: { user?: string; threadTs?: string } = {}) {
  const user = options.user ?? 'U0ADA';
  const sent = await h.slack.sendDm({ user, text, ...(options.threadTs ? { threadTs: options.threadTs } : {}) });
  expect(sent.status).toBe(200);
  const handled = await h.handled(sent.eventId);
  const thread = options.threadTs ?? sent.ts;
  const replies = h.fake.state.list(sent.channel, thread).filter((m) => m.botId && m.ts !== thread);
  const status = h.fake.state.threadStatuses.get(`${sent.channel}:${thread}`);
  return { ...sent, thread, handled, replies, status };
}

/** The statuses a thread went through, in order, with repeats of the same value folded. */
const statusesOf = (status: { history: { status: string }[] } | undefined) =>
  (status?.history ?? []).map((s) => s.status).filter((s, i, all) => i === 0 || s !== all[i - 1]);

describe('Slack agent view: each suggested prompt, end to end', () => {
  it('"Write to a professor": the status is set then cleared; the answer is the form’s button, which opens the /scribe form titled to the thread', async () => {
    const { channel, thread, handled, replies, status } = await say(AGENT_PROMPTS[0]);
    expect(handled.outcome).toBe('agent:Write to a professor');
    expect(statusesOf(status)).toEqual([AGENT_STATUS['Write to a professor'], '']);
    expect(status?.status).toBe('');
    expect(replies).toHaveLength(1);
    const button = buttonOf(replies[0]!);
    expect(button).toMatchObject({ action_id: AGENT_BUTTON_IDS.form, text: { text: 'Open the form' } });

    const click = await h.slack.clickButton({
      user: 'U0ADA',
      channel,
      ts: replies[0]!.ts,
      actionId: button!.action_id,
    });
    await h.handled(click.triggerId);
    const form = h.fake.views('U0ADA').find((v) => v.view.callback_id === 'scribe_draft');
    expect(form).toBeDefined();
    expect(JSON.parse(form!.view.private_metadata as string)).toEqual({ channel, agentThread: thread });
    h.fake.state.views.get(form!.id)!.state = 'closed';
  });

  it('"Batch from a list": the batch instructions and a button that opens the batch form', async () => {
    const { channel, handled, replies, status } = await say(AGENT_PROMPTS[1]);
    expect(handled.outcome).toBe('agent:Batch from a list');
    expect(statusesOf(status)).toEqual([AGENT_STATUS['Batch from a list'], '']);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('`Name | research interest` per line');
    const button = buttonOf(replies[0]!);
    expect(button).toMatchObject({ action_id: AGENT_BUTTON_IDS.batch, text: { text: 'Open the batch form' } });

    const click = await h.slack.clickButton({
      user: 'U0ADA',
      channel,
      ts: replies[0]!.ts,
      actionId: button!.action_id,
    });
    await h.handled(click.triggerId);
    const batch = h.fake.views('U0ADA').find((v) => v.view.callback_id === 'scribe_batch');
    expect(batch).toBeDefined();
    h.fake.state.views.get(batch!.id)!.state = 'closed';
  });

  it('"My outreach history": the emails written, as /scribe history lists them', async () => {
    // One email for Grace Hopper, written from the channel.
    const { outcome } = await h.draft({ user: 'U0GRACE', name: 'Prof. Grace Hopper' });
    expect(outcome).toBe('started:channel');
    const { rows } = await h.db.pool.query<{ progress_message_id: string }>(
      "SELECT progress_message_id FROM generations WHERE recipient_name = 'Prof. Grace Hopper'",
    );
    await h.succeed((await h.generationByProgress(rows[0]!.progress_message_id))!);

    const { handled, replies, status } = await say(AGENT_PROMPTS[2], { user: 'U0GRACE' });
    expect(handled.outcome).toBe('agent:My outreach history');
    expect(statusesOf(status)).toEqual([AGENT_STATUS['My outreach history'], '']);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('Your last email');
    expect(replies[0]!.text).toContain('*Prof. Grace Hopper*');
    expect(buttonOf(replies[0]!)).toBeUndefined();
  });

  it('a prompt clicked in an assistant-view thread is answered in that thread, its status set there', async () => {
    const { channel, threadTs } = await h.slack.startAgentThread({ user: 'U0ADA' });
    const { thread, replies, status } = await say(AGENT_PROMPTS[1], { threadTs });
    expect(thread).toBe(threadTs);
    expect(replies.map((r) => r.threadTs)).toEqual([threadTs]);
    expect(statusesOf(status)).toEqual([AGENT_STATUS['Batch from a list'], '']);
    expect(h.fake.state.list(channel).filter((m) => m.botId && m.ts !== threadTs)).toEqual([]);
  });
});

describe('Slack agent view: free text and failures', () => {
  it('free text that names no prompt: the form’s button and a one-line hint', async () => {
    const { handled, replies, status } = await say('Ada Lovelace, compilers');
    expect(handled.outcome).toBe('agent:free-text');
    expect(statusesOf(status)).toEqual([AGENT_STATUS.other, '']);
    expect(replies).toHaveLength(1);
    expect(replies[0]!.text).toContain('recipient’s name and research interest');
    expect(replies[0]!.text).toContain('*Batch from a list*');
    expect(buttonOf(replies[0]!)).toMatchObject({ action_id: AGENT_BUTTON_IDS.form, text: { text: 'Open the form' } });
  });

  it('"Write to Ada Lovelace about compilers" is a request to write: the form’s button', async () => {
    const { handled, replies } = await say('Write to Ada Lovelace about compilers');
    expect(handled.outcome).toBe('agent:Write to a professor');
    expect(buttonOf(replies[0]!)).toMatchObject({ action_id: AGENT_BUTTON_IDS.form });
  });

  it('when the answer cannot be posted: the status is cleared and the failure said in the thread', async () => {
    h.fake.inject({ method: 'chat.postMessage', error: 'internal_error' });
    const { handled, replies, status } = await say(AGENT_PROMPTS[0]);
    expect(handled.outcome).toBe('error');
    expect(statusesOf(status)).toEqual([AGENT_STATUS['Write to a professor'], '']);
    expect(status?.status).toBe('');
    expect(replies.map((r) => r.text)).toEqual([AGENT_FAILED]);
  });

  it('when nothing can be posted at all, the status is still cleared (Slack would show it for two minutes)', async () => {
    h.fake.inject({ method: 'chat.postMessage', error: 'internal_error', times: 2 });
    const { handled, replies, status } = await say(AGENT_PROMPTS[2]);
    expect(handled.outcome).toBe('error');
    expect(replies).toEqual([]);
    expect(statusesOf(status)).toEqual([AGENT_STATUS['My outreach history'], '']);
  });
});

describe('/scribe help', () => {
  it('says Scribe also lives in the agent view and its DM', async () => {
    const command = await h.slack.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: 'help' });
    await h.handled(command.triggerId);
    const help = h.fake.ephemeralsFor('U0ADA', 'C0GENERAL').at(-1);
    expect(help?.text).toContain('agent view');
    expect(help?.text).toMatch(/agent view and in my DM/);
  });
});
