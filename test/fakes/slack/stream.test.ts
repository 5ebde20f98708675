/**
 * The fake speaks Slack's streaming and assistant-thread methods as the real WebClient (8.2) and
 * its `chatStream` helper send them, and refuses what Slack refuses.
 */
import { LogLevel, webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SCOPES, startFakeSlack, type FakeSlack } from './index.ts';

const { WebClient } = webApi;
let fake: FakeSlack;
let client: InstanceType<typeof WebClient>;
const retryConfig = { retries: 0 };
const CHANNEL = 'C0GENERAL';

async function slackError(call: Promise<unknown>): Promise<string> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (error instanceof Error && 'data' in error && typeof error.data === 'object' && error.data !== null)
    return String((error.data as { error?: unknown }).error);
  throw new Error(`expected a platform error, got ${String(error)}`);
}

/** A thread in #general started by Ada. */
function thread(): string {
  return fake.state.post({ channel: CHANNEL, user: 'U0ADA', text: 'write to Dr. Lovelace' }).ts;
}

const recipient = () => ({ recipient_user_id: 'U0ADA', recipient_team_id: fake.state.team.id });

beforeAll(async () => {
  fake = await startFakeSlack();
  client = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig, logLevel: LogLevel.ERROR });
});

afterAll(async () => {
  await fake?.close();
});

describe('fake Slack: text streaming', () => {
  it('streams text and task cards through the chatStream helper, then stops with blocks', async () => {
    const threadTs = thread();
    const streamer = client.chatStream({ channel: CHANNEL, thread_ts: threadTs, ...recipient(), buffer_size: 1 });
    await streamer.append({
      chunks: [
        { type: 'plan_update', title: 'Writing to Dr. Lovelace' },
        { type: 'task_update', id: 'research', title: 'Research', status: 'in_progress' },
      ],
    });
    await streamer.append({
      chunks: [
        {
          type: 'task_update',
          id: 'research',
          title: 'Research',
          status: 'complete',
          sources: [{ type: 'url', url: 'https://example.org/ada', text: 'Ada at Example' }],
        },
      ],
    });
    await streamer.append({ markdown_text: 'Dear Dr. ' });
    await streamer.append({ markdown_text: 'Lovelace,' });
    await streamer.stop({ blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'done' } }] });
    const message = fake.state.find(CHANNEL, streamer.ts as string);
    expect(message?.threadTs).toBe(threadTs);
    expect(message?.text).toBe('Dear Dr. Lovelace,');
    expect(message?.stream?.state).toBe('stopped');
    expect(message?.stream?.planTitle).toBe('Writing to Dr. Lovelace');
    expect(message?.stream?.tasks.get('research')?.statuses).toEqual(['in_progress', 'complete']);
    expect(message?.stream?.tasks.get('research')?.sources?.[0]?.url).toBe('https://example.org/ada');
    expect(message?.blocks).toHaveLength(1);
  });

  it('refuses unknown chunk types, `completed` for `complete`, and unknown chunk fields', async () => {
    const { ts } = await client.chat.startStream({
      channel: CHANNEL,
      thread_ts: thread(),
      ...recipient(),
      task_display_mode: 'plan',
    });
    const args = { channel: CHANNEL, ts: ts as string };
    const unknownType = { type: 'progress_bar', value: 3 } as unknown as { type: 'plan_update'; title: string };
    expect(await slackError(client.chat.appendStream({ ...args, chunks: [unknownType] }))).toBe('invalid_chunks');
    const completed = { type: 'task_update', id: 'a', title: 'A', status: 'completed' } as unknown as {
      type: 'plan_update';
      title: string;
    };
    expect(await slackError(client.chat.appendStream({ ...args, chunks: [completed] }))).toBe('invalid_chunks');
    const extra = { type: 'task_update', id: 'a', title: 'A', status: 'complete', state: 'x' } as unknown as {
      type: 'plan_update';
      title: string;
    };
    expect(await slackError(client.chat.appendStream({ ...args, chunks: [extra] }))).toBe('invalid_chunks');
    expect(
      await slackError(
        client.chat.appendStream({
          ...args,
          chunks: [{ type: 'task_update', id: 'a', title: 'A', status: 'complete', details: 'x'.repeat(257) }],
        }),
      ),
    ).toBe('invalid_chunks');
    expect(fake.state.find(CHANNEL, ts as string)?.stream?.tasks.size).toBe(0);
  });

  it('refuses text over 12,000 characters, an append after stop, and a stream to a channel without recipient', async () => {
    const { ts } = await client.chat.startStream({ channel: CHANNEL, thread_ts: thread(), ...recipient() });
    const args = { channel: CHANNEL, ts: ts as string };
    expect(await slackError(client.chat.appendStream({ ...args, markdown_text: 'x'.repeat(12_001) }))).toBe(
      'msg_too_long',
    );
    expect(
      await slackError(
        client.chat.appendStream({ ...args, chunks: [{ type: 'markdown_text', text: 'y'.repeat(12_001) }] }),
      ),
    ).toBe('msg_too_long');
    await client.chat.appendStream({ ...args, markdown_text: 'x'.repeat(12_000) });
    await client.chat.stopStream(args);
    expect(await slackError(client.chat.appendStream({ ...args, markdown_text: 'late' }))).toBe(
      'message_not_in_streaming_state',
    );
    expect(await slackError(client.chat.stopStream(args))).toBe('message_not_in_streaming_state');
    expect(await slackError(client.chat.startStream({ channel: CHANNEL, thread_ts: thread() }))).toBe(
      'invalid_arguments',
    );
    const notStreamed = fake.state.post({
      channel: CHANNEL,
      user: fake.state.bot.userId,
      botId: fake.state.bot.botId,
      text: 'plain',
    });
    expect(
      await slackError(client.chat.appendStream({ channel: CHANNEL, ts: notStreamed.ts, markdown_text: 'a' })),
    ).toBe('message_not_in_streaming_state');
  });

  it('stops with blocks and metadata kept on the message; refuses chat.update while streaming, replaces after', async () => {
    const threadTs = thread();
    const { ts } = await client.chat.startStream({
      channel: CHANNEL,
      thread_ts: threadTs,
      ...recipient(),
      markdown_text: 'Dear Dr. ',
    });
    const args = { channel: CHANNEL, ts: ts as string };
    const seen = () => fake.planMessage(CHANNEL, threadTs);
    expect(seen()).toMatchObject({ streamed: true, streaming: true, markdown: 'Dear Dr. ' });
    // Slack documents no error for this; the fake answers chat.update's `cant_update_message`.
    expect(await slackError(client.chat.update({ ...args, text: 'replaced' }))).toBe('cant_update_message');
    const metadata = { event_type: 'scribe_result', event_payload: { generation_id: 'g1', part: 0, parts: 1 } };
    const tooMany = Array.from({ length: 51 }, () => ({ type: 'divider' }));
    expect(await slackError(client.chat.stopStream({ ...args, blocks: tooMany }))).toBe('invalid_blocks');
    expect(seen()?.streaming).toBe(true);
    await client.chat.stopStream({
      ...args,
      markdown_text: 'Lovelace,',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Sources*' } }],
      metadata,
    });
    expect(seen()).toMatchObject({ streaming: false, markdown: 'Dear Dr. Lovelace,', metadata });
    expect(seen()?.visible).toBe('Dear Dr. Lovelace,\n*Sources*');
    const read = await client.conversations.replies({ channel: CHANNEL, ts: threadTs, include_all_metadata: true });
    expect(read.messages?.find((m) => m.ts === ts)?.metadata).toEqual(metadata);
    // Once stopped, an update replaces what was streamed.
    await client.chat.update({ ...args, text: 'replaced', blocks: [] });
    expect(seen()).toMatchObject({ streamed: true, streaming: false, text: 'replaced', visible: 'replaced' });
    expect(seen()?.markdown).toBeUndefined();
  });

  it('streams in a DM without a recipient', async () => {
    const dm = fake.state.dmWith('U0ADA');
    const threadTs = fake.state.post({ channel: dm.id, user: 'U0ADA', text: 'hi' }).ts;
    const { ts } = await client.chat.startStream({ channel: dm.id, thread_ts: threadTs, markdown_text: 'Hello' });
    expect(fake.state.find(dm.id, ts as string)?.text).toBe('Hello');
  });
});

describe('fake Slack: assistant threads', () => {
  it('sets and clears a thread status with loading messages; a reply clears it', async () => {
    const threadTs = thread();
    await client.assistant.threads.setStatus({
      channel_id: CHANNEL,
      thread_ts: threadTs,
      status: 'is researching…',
      loading_messages: ['Reading pages…'],
    });
    const key = `${CHANNEL}:${threadTs}`;
    expect(fake.state.threadStatuses.get(key)).toMatchObject({
      status: 'is researching…',
      loadingMessages: ['Reading pages…'],
    });
    await client.assistant.threads.setStatus({ channel_id: CHANNEL, thread_ts: threadTs, status: '' });
    expect(fake.state.threadStatuses.get(key)?.status).toBe('');
    await client.assistant.threads.setStatus({ channel_id: CHANNEL, thread_ts: threadTs, status: 'again' });
    await client.chat.postMessage({ channel: CHANNEL, thread_ts: threadTs, text: 'reply' });
    expect(fake.state.threadStatuses.get(key)?.history.map((h) => h.status)).toEqual([
      'is researching…',
      '',
      'again',
      '',
    ]);
    expect(
      await slackError(
        client.assistant.threads.setStatus({
          channel_id: CHANNEL,
          thread_ts: threadTs,
          status: 'x',
          loading_messages: Array.from({ length: 11 }, (_, i) => `m${i}`),
        }),
      ),
    ).toBe('invalid_arguments');
    expect(
      await slackError(client.assistant.threads.setStatus({ channel_id: CHANNEL, thread_ts: '1.000001', status: 'x' })),
    ).toBe('invalid_thread_ts');
  });

  it('needs assistant:write for suggested prompts and titles', async () => {
    // An installation of the app before it asked for assistant:write.
    const old = await startFakeSlack({ scopes: DEFAULT_SCOPES.filter((s) => s !== 'assistant:write') });
    try {
      const c = new WebClient(old.botToken, { slackApiUrl: old.apiUrl, retryConfig, logLevel: LogLevel.ERROR });
      const threadTs = old.state.post({ channel: CHANNEL, user: 'U0ADA', text: 'write to Dr. Lovelace' }).ts;
      expect(
        await slackError(
          c.assistant.threads.setSuggestedPrompts({
            channel_id: CHANNEL,
            thread_ts: threadTs,
            prompts: [{ title: 'A', message: 'a' }],
          }),
        ),
      ).toBe('missing_scope');
    } finally {
      await old.close();
    }
    const agent = await startFakeSlack({ scopes: ['chat:write', 'assistant:write', 'im:history'] });
    try {
      const c = new WebClient(agent.botToken, { slackApiUrl: agent.apiUrl, retryConfig, logLevel: LogLevel.ERROR });
      const dm = agent.state.dmWith('U0ADA');
      const t = agent.state.post({ channel: dm.id, user: 'U0ADA', text: 'hi' }).ts;
      await c.assistant.threads.setSuggestedPrompts({
        channel_id: dm.id,
        thread_ts: t,
        prompts: [{ title: 'Write to a professor', message: 'Write to a professor' }],
      });
      await c.assistant.threads.setTitle({ channel_id: dm.id, thread_ts: t, title: 'Email to Dr. Lovelace' });
      expect(agent.state.suggestedPrompts.get(`${dm.id}:${t}`)?.prompts[0]?.title).toBe('Write to a professor');
      expect(agent.state.threadTitles.get(`${dm.id}:${t}`)).toBe('Email to Dr. Lovelace');
      expect(
        await slackError(
          c.assistant.threads.setSuggestedPrompts({
            channel_id: dm.id,
            thread_ts: t,
            prompts: Array.from({ length: 5 }, (_, i) => ({ title: `t${i}`, message: 'm' })),
          }),
        ),
      ).toBe('invalid_arguments');
    } finally {
      await agent.close();
    }
  });
});
