/**
 * The streamed email becomes the result (issue 23 item 1): with the plan on, the plan's stream that
 * showed the email as it was written is finished with the rest of the email, the last cards, the
 * result's buttons and its `scribe_result` metadata — no second copy of the email in the thread.
 * Each case where that cannot be (no live stream here, an email too long, streamed text that is not
 * the email's beginning, Slack refusing the stop) posts the result as a reply, as before; a retry
 * after a lost answer finds the result and edits it; the buttons act on it.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackClient } from '../../../src/bots/slack/client.ts';
import { RESULT_BUTTON_IDS as ACTIONS } from '../../../src/bots/slack/ids.ts';
import { createSlackReporter } from '../../../src/bots/slack/reporter.ts';
import * as generations from '../../../src/db/generations.ts';
import { silentLogger } from '../../../src/log.ts';
import { applyProgressEvent, initialProgress } from '../../../src/thread/progress.ts';
import type { ProgressView, ResultView, ThreadAddress } from '../../../src/thread/reporter.ts';
import type { SeenMessage } from '../../fakes/slack/index.ts';
import { resultView } from '../../helpers/result-view.ts';
import { startHarness, type Harness } from './harness.ts';

const CHANNEL = 'C0GENERAL';
const EMAIL = 'Dear Dr. Lovelace,\n\nI read your notes on the Analytical Engine.\n\nBest,\nGrace';
/** A line only the email's body has: counted to see the email once in the thread. */
const BODY_LINE = 'I read your notes on the Analytical Engine.';
const VIEW = resultView(EMAIL, {
  sources: [
    { n: 1, url: 'https://uni.example/ada', title: 'Ada at Example University' },
    { n: 2, url: 'https://notes.example/engine', title: 'Notes on the Engine' },
  ],
  fills: [{ slot: 'line', text: BODY_LINE, sources: [2] }],
});

let h: Harness;
const logger = silentLogger();
const clientWith = (retries: number) =>
  createSlackClient({ botToken: h.fake.botToken, apiUrl: h.fake.apiUrl }, { logger, retryConfig: { retries } });
/** The worker's reporter, as `scribe start` makes it (plan on). */
let reporter: ReturnType<typeof createSlackReporter>;

beforeAll(async () => {
  h = await startHarness({ mode: 'http' });
  reporter = createSlackReporter({ client: clientWith(0), logger, plan: true });
});

afterAll(async () => {
  await h?.close();
});

/** A progress message posted by the bot (the thread's parent), as /scribe in a channel makes it. */
function conversation(): ThreadAddress {
  const { ts } = h.fake.state.post({
    channel: CHANNEL,
    user: h.fake.state.bot.userId,
    botId: h.fake.state.bot.botId,
    text: 'Drafting an email to Dr. Ada Lovelace',
  });
  return {
    generationId: randomUUID(),
    platform: 'slack',
    teamId: h.fake.state.team.id,
    channelId: CHANNEL,
    threadId: ts,
    progressMessageId: ts,
    requesterId: 'U0ADA',
  };
}

/** The views of a run up to the writing step, which is still running (the email is being written). */
function writingViews(): ProgressView[] {
  let view: ProgressView = { ...initialProgress('Dr. Ada Lovelace', 1), status: 'running' };
  const views = [view];
  for (const step of ['parse', 'research', 'identity', 'arxiv', 'compose'] as const) {
    view = applyProgressEvent(view, { kind: 'started', step });
    views.push(view);
    if (step === 'compose') break;
    view = applyProgressEvent(view, { kind: 'finished', step, durationMs: 1200, warnings: [] });
    views.push(view);
  }
  return views;
}

/**
 * A run as the worker reports it with the plan on: the steps, the email streamed in pieces
 * (`streamed` of it, in three appends), then nothing yet of the result.
 */
async function runUntilWritten(address: ThreadAddress, streamed: string, using = reporter): Promise<ProgressView> {
  const views = writingViews();
  for (const view of views) await using.progress(address, view);
  const cuts = [Math.ceil(streamed.length / 3), Math.ceil((2 * streamed.length) / 3), streamed.length];
  for (const cut of cuts) if (cut > 0) await using.emailText!(address, streamed.slice(0, cut));
  return views.at(-1)!;
}

/** Everything after the result, as the worker does: the succeeded progress. */
async function succeed(address: ThreadAddress, last: ProgressView, using = reporter): Promise<void> {
  const done = applyProgressEvent(last, { kind: 'finished', step: 'compose', durationMs: 900, warnings: [] });
  await using.progress(address, { ...done, status: 'succeeded' });
}

const thread = (address: ThreadAddress) => h.fake.messagesIn(CHANNEL, address.threadId!);
const results = (address: ThreadAddress) => thread(address).filter((m) => m.metadata?.event_type === 'scribe_result');
/** How many messages of the thread show the email's body. */
const showingEmail = (address: ThreadAddress) => thread(address).filter((m) => m.visible.includes(BODY_LINE)).length;
const postsIn = (address: ThreadAddress) =>
  h.fake.callsTo('chat.postMessage').filter((c) => c.args.channel === CHANNEL && c.args.thread_ts === address.threadId);
const buttonsOf = (m: SeenMessage | undefined) =>
  ((m?.blocks ?? []) as Array<{ block_id?: string; elements?: Array<{ action_id?: string; value?: string }> }>)
    .find((b) => b.block_id === 'scribe_result_actions')
    ?.elements?.map((e) => [e.action_id, e.value]);

/** The result posted as a reply, the plan stopped without it: today's shape. */
function expectPostedReply(address: ThreadAddress, messageIds: string[]) {
  const plan = h.fake.planMessage(CHANNEL, address.threadId!)!;
  expect(plan.streaming).toBe(false);
  expect(plan.metadata).toBeUndefined();
  expect(plan.blocks).toBeUndefined();
  const [reply] = results(address);
  expect(results(address)).toHaveLength(1);
  expect(reply?.streamed).toBe(false);
  expect(messageIds).toEqual([reply?.ts]);
  expect(reply?.metadata?.event_payload).toEqual({ generation_id: address.generationId, part: 0, parts: 1 });
  expect(postsIn(address)).toHaveLength(1);
}

describe('Slack: the streamed email becomes the result', () => {
  it('finishes the plan with the rest of the email, the last cards, the buttons and the metadata', async () => {
    const address = conversation();
    // The writer had written up to the body's line when the result came.
    const last = await runUntilWritten(address, EMAIL.slice(0, EMAIL.indexOf('Best')));
    const plan = h.fake.planMessage(CHANNEL, address.threadId!)!;
    expect(plan).toMatchObject({ streaming: true, markdown: EMAIL.slice(0, EMAIL.indexOf('Best')) });

    const { messageIds } = await reporter.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    await succeed(address, last);

    expect(messageIds).toEqual([plan.ts]);
    const finished = h.fake.planMessage(CHANNEL, address.threadId!)!;
    // The streamed text, completed, is the email exactly; the blocks under it hold the rest of the result.
    expect(finished).toMatchObject({ streaming: false, markdown: EMAIL });
    expect(finished.metadata).toEqual({
      event_type: 'scribe_result',
      event_payload: { generation_id: address.generationId, part: 0, parts: 1 },
    });
    expect(buttonsOf(finished)).toContainEqual([ACTIONS.regenerate, address.generationId]);
    expect(finished.visible).toContain('Notes on the Engine');
    // Not the email again: its cited line, with the mark a posted result puts after it.
    expect(JSON.stringify(finished.blocks)).not.toContain('Dear Dr. Lovelace');
    expect(finished.visible).toContain('• I read your notes on the Analytical Engine.[2]');
    // The rest of the email went in with the stop (one call), with every card complete.
    const stops = h.fake.callsTo('chat.stopStream').filter((c) => c.args.ts === plan.ts);
    expect(stops).toHaveLength(1);
    expect(stops[0]?.args.markdown_text).toBe(EMAIL.slice(EMAIL.indexOf('Best')));
    const stored = h.fake.state.find(CHANNEL, plan.ts)!.stream!;
    expect([...stored.tasks.values()].map((t) => [t.id, t.status])).toEqual([
      ['parse', 'complete'],
      ['research', 'complete'],
      ['identity', 'complete'],
      ['arxiv', 'complete'],
      ['compose', 'complete'],
    ]);
    expect(stored.tasks.get('research')?.sources?.map((s) => s.url)).toEqual(VIEW.sources.map((s) => s.url));
    // The whole email is in the thread once, in one message; no reply was posted; the status was cleared.
    expect(thread(address).map((m) => m.visible.split(EMAIL).length - 1)).toEqual(
      thread(address).map((m) => (m.ts === plan.ts ? 1 : 0)),
    );
    expect(showingEmail(address)).toBe(1);
    expect(results(address).map((m) => m.ts)).toEqual([plan.ts]);
    expect(postsIn(address)).toHaveLength(0);
    expect(h.fake.state.threadStatuses.get(`${CHANNEL}:${address.threadId}`)?.status).toBe('');
  });

  it('a progress report still running that arrives after the result starts no second plan', async () => {
    const address = conversation();
    const last = await runUntilWritten(address, EMAIL.slice(0, 50));
    await reporter.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    const starts = () => h.fake.callsTo('chat.startStream').filter((c) => c.args.thread_ts === address.threadId);
    const statuses = () => h.fake.state.threadStatuses.get(`${CHANNEL}:${address.threadId}`)?.history ?? [];
    const statusesAfterResult = statuses().length;
    // The coalescer held this one; the result went straight through.
    await reporter.progress(address, last);
    await succeed(address, last);
    expect(starts()).toHaveLength(1);
    expect(statuses().slice(statusesAfterResult)).toEqual([]);
    expect(thread(address).filter((m) => m.streamed)).toHaveLength(1);
  });

  it('writes the whole email in at the stop when none of it was streamed yet', async () => {
    const address = conversation();
    const last = await runUntilWritten(address, '');
    const { messageIds } = await reporter.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    await succeed(address, last);
    const plan = h.fake.planMessage(CHANNEL, address.threadId!)!;
    expect(messageIds).toEqual([plan.ts]);
    expect(plan.markdown).toBe(EMAIL);
    expect(showingEmail(address)).toBe(1);
    expect(postsIn(address)).toHaveLength(0);
  });

  it('a retry after a lost answer finds the result on the stream and edits it: no second copy', async () => {
    const address = conversation();
    await runUntilWritten(address, EMAIL);
    // The stop is done but its answer never comes back: the thread is read, and the result is there.
    h.fake.inject({ method: 'chat.stopStream', loseAnswer: true });
    const first = await reporter.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    const plan = h.fake.planMessage(CHANNEL, address.threadId!)!;
    expect(first.messageIds).toEqual([plan.ts]);
    expect(plan.metadata?.event_type).toBe('scribe_result');

    // The worker died before saving the ids; another one retries, its posting mark long after the
    // stream started: the thread is read from the progress message, so the stream is found.
    const other = createSlackReporter({ client: clientWith(0), logger, plan: true });
    const readsBefore = h.fake.callsTo('conversations.replies').length;
    const again = await other.result(address, VIEW, {
      existingMessageIds: [],
      maybePosted: true,
      postingSince: new Date(Date.now() + 10 * 60_000),
    });
    expect(again.messageIds).toEqual([plan.ts]);
    expect(h.fake.callsTo('conversations.replies').slice(readsBefore)[0]?.args.oldest).toBe(address.progressMessageId);
    // Edited, not posted again: still one message with the email, one result, no reply.
    expect(h.fake.callsTo('chat.update').filter((c) => c.args.ts === plan.ts)).toHaveLength(1);
    expect(showingEmail(address)).toBe(1);
    expect(results(address).map((m) => m.ts)).toEqual([plan.ts]);
    expect(postsIn(address)).toHaveLength(0);
  });

  it('when the WebClient retries a stop whose answer was lost, Slack says it no longer streams: found, not posted', async () => {
    const retrying = createSlackReporter({ client: clientWith(1), logger, plan: true });
    const address = conversation();
    await runUntilWritten(address, EMAIL.slice(0, 20), retrying);
    h.fake.inject({ method: 'chat.stopStream', loseAnswer: true });
    const { messageIds } = await retrying.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    const plan = h.fake.planMessage(CHANNEL, address.threadId!)!;
    const stops = h.fake.callsTo('chat.stopStream').filter((c) => c.args.ts === plan.ts);
    expect(stops.map((c) => c.response?.error)).toEqual([undefined, 'message_not_in_streaming_state']);
    expect(messageIds).toEqual([plan.ts]);
    expect(plan.markdown).toBe(EMAIL);
    expect(showingEmail(address)).toBe(1);
    expect(postsIn(address)).toHaveLength(0);
  });
});

describe('Slack: when the streamed email cannot be the result, it is posted as a reply', () => {
  it('without a live stream in this process (another worker, a restart)', async () => {
    const address = conversation();
    await runUntilWritten(address, EMAIL.slice(0, 30));
    const other = createSlackReporter({ client: clientWith(0), logger, plan: true });
    const { messageIds } = await other.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    const plan = h.fake.planMessage(CHANNEL, address.threadId!)!;
    // The first worker's stream stays as it was last streamed, as before.
    expect(plan).toMatchObject({ streaming: true, markdown: EMAIL.slice(0, 30) });
    const [reply] = results(address);
    expect(messageIds).toEqual([reply?.ts]);
    expect(reply?.streamed).toBe(false);
    expect(reply?.visible).toContain(BODY_LINE);
  });

  it('with the plan off', async () => {
    const address = conversation();
    const off = createSlackReporter({ client: clientWith(0), logger });
    await runUntilWritten(address, EMAIL, off);
    const { messageIds } = await off.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    expect(h.fake.planMessage(CHANNEL, address.threadId!)).toBeUndefined();
    expect(results(address).map((m) => m.ts)).toEqual(messageIds);
    expect(showingEmail(address)).toBe(1);
  });

  it('when what was streamed is not the beginning of the email (a corrected answer)', async () => {
    const address = conversation();
    await runUntilWritten(address, 'Dear Dr. Lovelace,\n\nYour engine');
    const { messageIds } = await reporter.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    expectPostedReply(address, messageIds);
    expect(h.fake.planMessage(CHANNEL, address.threadId!)?.markdown).toBe('Dear Dr. Lovelace,\n\nYour engine');
  });

  it('when the email is longer than one markdown_text', async () => {
    const address = conversation();
    const long = `Dear Dr. Lovelace,\n\n${'I read your notes. '.repeat(700)}\n\nBest,\nGrace`;
    await runUntilWritten(address, long.slice(0, 100));
    const { messageIds } = await reporter.result(address, resultView(long), {
      existingMessageIds: [],
      maybePosted: false,
    });
    expectPostedReply(address, messageIds);
  });

  it('when the result takes more than one message (more than 50 blocks)', async () => {
    const address = conversation();
    await runUntilWritten(address, EMAIL);
    const notes = Array.from({ length: 60 }, (_, i) => `Note ${i + 1}`);
    const view: ResultView = { ...VIEW, notes };
    const { messageIds } = await reporter.result(address, view, { existingMessageIds: [], maybePosted: false });
    const plan = h.fake.planMessage(CHANNEL, address.threadId!)!;
    expect(plan).toMatchObject({ streaming: false, markdown: EMAIL });
    expect(plan.metadata).toBeUndefined();
    expect(messageIds).toHaveLength(2);
    expect(results(address).map((m) => m.ts)).toEqual(messageIds);
  });

  it('when Slack refuses the stop', async () => {
    const address = conversation();
    await runUntilWritten(address, EMAIL.slice(0, 40));
    h.fake.inject({ method: 'chat.stopStream', error: 'invalid_blocks' });
    const { messageIds } = await reporter.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    // Refused once as the result; then stopped as before (the cards only), and the reply posted.
    const stops = h.fake
      .callsTo('chat.stopStream')
      .filter((c) => c.args.ts === h.fake.planMessage(CHANNEL, address.threadId!)?.ts);
    expect(stops.map((c) => c.response?.error)).toEqual(['invalid_blocks', undefined]);
    expect(stops[1]?.args.metadata).toBeUndefined();
    expectPostedReply(address, messageIds);
  });
});

describe('Slack: the buttons on a streamed result', () => {
  it('Regenerate on the streamed result starts version 2 in the thread', async () => {
    const { outcome } = await h.draft();
    expect(outcome).toBe('started:channel');
    const progress = h.fake
      .messagesIn(CHANNEL)
      .filter((m) => m.fromBot && !m.streamed)
      .at(-1)!;
    const parent = (await h.generationByProgress(progress.ts))!;
    const address: ThreadAddress = {
      generationId: parent.id,
      platform: 'slack',
      teamId: parent.teamId,
      channelId: parent.channelId,
      threadId: parent.threadId,
      progressMessageId: parent.progressMessageId,
      requesterId: 'U0ADA',
    };
    const last = await runUntilWritten(address, EMAIL.slice(0, 25));
    const { messageIds } = await reporter.result(address, VIEW, { existingMessageIds: [], maybePosted: false });
    await generations.saveResultMessages(h.db.pool, parent.id, messageIds);
    await generations.markSucceeded(h.db.pool, parent.id, { email: VIEW.email, sources: {} });
    await succeed(address, last);
    const plan = h.fake.planMessage(CHANNEL, parent.threadId!)!;
    expect(messageIds).toEqual([plan.ts]);

    const click = await h.slack.clickButton({
      user: 'U0ADA',
      channel: CHANNEL,
      ts: plan.ts,
      actionId: ACTIONS.regenerate,
    });
    expect(await h.handled(click.triggerId)).toMatchObject({ outcome: 'started' });
    const [child] = await h.children(parent.id);
    expect(child).toMatchObject({ version: 2, threadId: parent.threadId, instruction: null });
    expect(h.fake.messagesIn(CHANNEL, parent.threadId!).at(-1)?.text).toBe(
      'Drafting an email to Dr. Ada Lovelace (version 2)',
    );
    // Copy as plain text reads the email of the streamed result's generation.
    const copy = await h.slack.clickButton({ user: 'U0ADA', channel: CHANNEL, ts: plan.ts, actionId: ACTIONS.copy });
    expect(await h.handled(copy.triggerId)).toMatchObject({ outcome: 'copy' });
  });
});
