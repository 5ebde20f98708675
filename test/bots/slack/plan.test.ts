/**
 * Slack's plan of task cards and thread status (issue 23): the reporter streams the steps as task
 * cards in the thread, sets the thread status while it works and clears it at the end, and lists
 * the research's sources on its card — against the fake, which refuses what Slack refuses.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackClient, type WebClient } from '../../../src/bots/slack/client.ts';
import { createSlackReporter } from '../../../src/bots/slack/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import { applyProgressEvent, initialProgress } from '../../../src/thread/progress.ts';
import type { ProgressView, ThreadAddress } from '../../../src/thread/reporter.ts';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/index.ts';
import { resultView as makeResultView } from '../../helpers/result-view.ts';

const resultView = makeResultView('Dear Dr. Lovelace,\n\nI read your notes on the Analytical Engine.\n\nBest,\nGrace', {
  sources: [
    { n: 1, url: 'https://uni.example/ada', title: 'Ada at Example University' },
    { n: 2, url: 'https://notes.example/engine', title: 'Notes on the Engine' },
  ],
});

const RETRY = { retries: 0 };
const CHANNEL = 'C0GENERAL';

let fake: FakeSlack;
let client: WebClient;
let reporter: ReturnType<typeof createSlackReporter>;

beforeAll(async () => {
  fake = await startFakeSlack();
  client = createSlackClient(
    { botToken: fake.botToken, apiUrl: fake.apiUrl },
    { logger: silentLogger(), retryConfig: RETRY },
  );
  reporter = createSlackReporter({ client, logger: silentLogger(), plan: true });
});

afterAll(async () => {
  await fake?.close();
});

/** A progress message posted by the bot (the thread's parent), as /scribe in a channel makes it. */
function conversation(channel = CHANNEL, requesterId: string | null = 'U0ADA'): ThreadAddress {
  const { ts } = fake.state.post({
    channel,
    user: fake.state.bot.userId,
    botId: fake.state.bot.botId,
    text: 'Drafting an email to Dr. Ada Lovelace',
  });
  return {
    generationId: randomUUID(),
    platform: 'slack',
    teamId: fake.state.team.id,
    channelId: channel,
    threadId: ts,
    progressMessageId: ts,
    ...(requesterId ? { requesterId } : {}),
  };
}

/** The views a run goes through: every step started then finished, compose last. */
function runViews(): ProgressView[] {
  let view: ProgressView = { ...initialProgress('Dr. Ada Lovelace', 1), status: 'running' };
  const views = [view];
  for (const step of ['parse', 'research', 'identity', 'arxiv', 'compose'] as const) {
    view = applyProgressEvent(view, { kind: 'started', step });
    views.push(view);
    view = applyProgressEvent(view, { kind: 'finished', step, durationMs: 1200, warnings: [] });
    views.push(view);
  }
  return views;
}

const streamed = (address: ThreadAddress) =>
  fake.state.list(address.channelId!, address.threadId!).find((m) => m.stream !== undefined);

describe('Slack plan of task cards', () => {
  it('shows each step as a task card going pending → in_progress → complete, with sources, and becomes the result', async () => {
    const address = conversation();
    for (const view of runViews()) await reporter.progress(address, view);
    const message = streamed(address);
    expect(message?.stream?.taskDisplayMode).toBe('plan');
    expect(message?.stream?.recipientUserId).toBe('U0ADA');
    expect(message?.stream?.planTitle).toBe('Email to Dr. Ada Lovelace');
    const tasks = message?.stream?.tasks;
    expect([...(tasks?.keys() ?? [])]).toEqual(['parse', 'research', 'identity', 'arxiv', 'compose']);
    for (const task of tasks?.values() ?? []) expect(task.statuses).toEqual(['pending', 'in_progress', 'complete']);
    expect(tasks?.get('parse')?.details).toBe('1.2 s');
    // While working, the thread says what Scribe is doing.
    const key = `${CHANNEL}:${address.threadId}`;
    const working = fake.state.threadStatuses.get(key)?.history.map((h) => h.status);
    expect(working?.filter((s) => s !== 'is working…')).toEqual([
      'is reading the template…',
      'is researching the web…',
      'is checking who the recipient is…',
      'is finding papers on arXiv…',
      'is writing the email…',
    ]);
    expect(fake.state.threadStatuses.get(key)?.loadingMessages?.[0]).toBe('Writing to Dr. Ada Lovelace…');

    const { messageIds } = await reporter.result(address, resultView, { existingMessageIds: [], maybePosted: false });
    await reporter.progress(address, { ...runViews().at(-1)!, status: 'succeeded' });
    expect(message?.stream?.state).toBe('stopped');
    const research = message?.stream?.tasks.get('research');
    expect(research?.sources?.map((s) => s.url)).toEqual(resultView.sources.map((s) => s.url));
    expect(research?.statuses.at(-1)).toBe('complete');
    // The plan became the result (test/bots/slack/stream-result.test.ts): the email written into it
    // at the stop, its buttons and metadata under it, and no reply after it.
    const thread = fake.messagesIn(CHANNEL, address.threadId!);
    expect(messageIds).toEqual([message!.ts]);
    expect(thread.at(-1)).toMatchObject({ ts: message!.ts, markdown: resultView.email });
    expect(thread.at(-1)?.metadata?.event_type).toBe('scribe_result');
    // Status set while working, cleared at the end.
    const history = fake.state.threadStatuses.get(key)?.history.map((h) => h.status) ?? [];
    expect(history.slice(0, 2)).toEqual(['is working…', 'is reading the template…']);
    expect(history.at(-1)).toBe('');
    expect(history.filter((s) => s === '')).toHaveLength(1);
  });

  it('marks the failing step as an error card, stops the plan and clears the status', async () => {
    const address = conversation();
    let view: ProgressView = { ...initialProgress('Dr. Ada Lovelace', 1), status: 'running' };
    view = applyProgressEvent(view, { kind: 'started', step: 'parse' });
    await reporter.progress(address, view);
    view = applyProgressEvent(view, { kind: 'failed', step: 'parse', message: 'The template has no placeholder' });
    await reporter.progress(address, { ...view, status: 'failed', error: 'The template has no placeholder' });
    const message = streamed(address);
    expect(message?.stream?.tasks.get('parse')?.statuses).toEqual(['in_progress', 'error']);
    expect(message?.stream?.tasks.get('parse')?.details).toBe('The template has no placeholder');
    expect(message?.stream?.tasks.get('research')?.statuses).toEqual(['pending']);
    expect(message?.stream?.state).toBe('stopped');
    expect(fake.state.threadStatuses.get(`${CHANNEL}:${address.threadId}`)?.status).toBe('');
  });

  it('in a channel without the asker known, keeps the edited message and sets only the status', async () => {
    const address = conversation(CHANNEL, null);
    const views = runViews();
    for (const view of views) await reporter.progress(address, view);
    await reporter.progress(address, { ...views.at(-1)!, status: 'succeeded' });
    expect(streamed(address)).toBeUndefined();
    expect(fake.callsTo('chat.startStream').every((c) => c.args.thread_ts !== address.threadId)).toBe(true);
    const history = fake.state.threadStatuses.get(`${CHANNEL}:${address.threadId}`)?.history ?? [];
    expect(history.length).toBeGreaterThan(1);
    expect(history.at(-1)?.status).toBe('');
    expect(fake.messagesIn(CHANNEL, address.threadId!)[0]?.text).toBe('Email to Dr. Ada Lovelace is ready');
  });

  it('stops trying when Slack no longer takes the stream (expired), and still clears the status', async () => {
    const address = conversation();
    const views = runViews();
    await reporter.progress(address, views[0]!);
    const message = streamed(address)!;
    // Slack ends a stream left idle (a long retry wait): appends are then refused.
    await client.chat.stopStream({ channel: CHANNEL, ts: message.ts });
    const appends = () => fake.callsTo('chat.appendStream').filter((c) => c.args.ts === message.ts).length;
    await reporter.progress(address, views[1]!);
    expect(appends()).toBe(1);
    for (const view of views.slice(2)) await reporter.progress(address, view);
    await reporter.progress(address, { ...views.at(-1)!, status: 'succeeded' });
    expect(appends()).toBe(1);
    expect(fake.state.threadStatuses.get(`${CHANNEL}:${address.threadId}`)?.status).toBe('');
    expect(fake.messagesIn(CHANNEL, address.threadId!)[0]?.text).toBe('Email to Dr. Ada Lovelace is ready');
  });

  it('streams in a DM without a recipient', async () => {
    const dm = fake.state.dmWith('U0GRACE');
    const address = conversation(dm.id, null);
    for (const view of runViews().slice(0, 3)) await reporter.progress(address, view);
    expect(streamed(address)?.stream?.tasks.get('parse')?.statuses).toEqual(['pending', 'in_progress', 'complete']);
    expect(streamed(address)?.stream?.recipientUserId).toBeUndefined();
  });
});
