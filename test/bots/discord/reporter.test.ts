import { randomUUID } from 'node:crypto';
import { MessageFlags, Routes, type REST, type RESTPostAPIChannelMessageResult } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordRest } from '../../../src/bots/discord/client.ts';
import { createDiscordReporter, nonceFor } from '../../../src/bots/discord/reporter.ts';
import { emailParts, renderProgress } from '../../../src/bots/discord/render.ts';
import { emailPieceOf, progressOf, textDisplays } from '../../helpers/discord-v2.ts';
import { ErrorCode, PermanentError } from '../../../src/errors.ts';
import { initialProgress } from '../../../src/thread/progress.ts';
import type { ResultView, ThreadAddress } from '../../../src/thread/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import { Permission, startFakeDiscord, type FakeDiscord } from '../../fakes/discord/index.ts';
import { resultView } from '../../helpers/result-view.ts';

let fake: FakeDiscord;
let rest: REST;
let reporter: ReturnType<typeof createDiscordReporter>;

beforeAll(async () => {
  fake = await startFakeDiscord();
  rest = createDiscordRest({ token: fake.token, apiUrl: fake.apiUrl });
  reporter = createDiscordReporter({ rest, logger: silentLogger() });
});

afterAll(async () => {
  await fake?.close();
});

const LONG_EMAIL = Array.from(
  { length: 5 },
  (_, i) => `Paragraph ${i}: ${'the engine weaves patterns '.repeat(70).trim()}.`,
).join('\n\n');

const view = (email = LONG_EMAIL): ResultView => resultView(email);

/** A progress message in #general with a thread started on it, as the bot makes them. */
async function conversation(options: { thread?: boolean } = {}): Promise<ThreadAddress> {
  const message = (await rest.post(Routes.channelMessages(fake.channelId), {
    body: renderProgress(initialProgress('Dr. Ada Lovelace', 1), undefined, 'Requested by <@1>'),
  })) as RESTPostAPIChannelMessageResult;
  let threadId: string | null = null;
  if (options.thread ?? true) {
    threadId = (
      (await rest.post(Routes.threads(fake.channelId, message.id), {
        body: { name: 'Email to Dr. Ada Lovelace' },
      })) as { id: string }
    ).id;
  }
  return {
    generationId: randomUUID(),
    platform: 'discord',
    teamId: fake.guildId,
    channelId: fake.channelId,
    threadId,
    progressMessageId: message.id,
  };
}

/** What each message says: a V2 result message's piece of the email, or a plain message's content. */
const contents = (channelId: string) =>
  fake.channelView(channelId).map((m) => (m.content === '' ? emailPieceOf(m) : m.content));

describe('Discord reporter', () => {
  it('edits the progress message in the channel, and a regeneration’s progress message in the thread', async () => {
    const address = await conversation();
    expect(address.threadId).toBe(address.progressMessageId); // Discord: a thread takes its message's id
    const progress = initialProgress('Dr. Ada Lovelace', 1);
    await reporter.progress(address, {
      ...progress,
      status: 'running',
      steps: { ...progress.steps, parse: { state: 'done', seconds: 1.2, warnings: [] } },
    });
    const edited = fake.message(address.progressMessageId!);
    expect(edited.channel_id).toBe(fake.channelId);
    expect(progressOf(edited).lines).toContain('✅ Reading the template — 1.2 s');
    // The line saying who asked is kept through the edit (a V2 edit replaces every component).
    expect(progressOf(edited).header).toBe('Requested by <@1>');
    expect(edited.flags! & MessageFlags.IsComponentsV2).toBeTruthy();

    const second = (await rest.post(Routes.channelMessages(address.threadId!), {
      body: renderProgress(initialProgress('Dr. Ada Lovelace', 2), undefined, '<@1> asked for a new version'),
    })) as RESTPostAPIChannelMessageResult;
    await reporter.progress(
      { ...address, progressMessageId: second.id },
      { ...initialProgress('Dr. Ada Lovelace', 2), status: 'succeeded' },
    );
    expect(progressOf(fake.message(second.id))).toMatchObject({
      header: '<@1> asked for a new version',
      title: 'Email to Dr. Ada Lovelace is ready (version 2)',
    });
  });

  it('posts the result into the thread, split losslessly, with nonces, the buttons last', async () => {
    const address = await conversation();
    const { messageIds } = await reporter.result(address, view(), { existingMessageIds: [], maybePosted: false });
    const parts = emailParts(LONG_EMAIL);
    expect(parts.length).toBeGreaterThan(1);
    expect(messageIds).toHaveLength(parts.length);
    expect(fake.channelView(address.threadId!).map((m) => m.id)).toEqual(messageIds);
    expect(contents(address.threadId!)).toEqual(parts.map((p) => p.text));
    expect(contents(fake.channelId)).not.toContain(parts[0]!.text);
    const posts = fake.rest.callsTo('POST /channels/:channel/messages').slice(-parts.length);
    expect(posts.map((c) => c.body)).toEqual(
      parts.map((_, i) => expect.objectContaining({ nonce: nonceFor(address.generationId, i), enforce_nonce: true })),
    );
    const last = fake.channelView(address.threadId!).at(-1)!;
    expect(JSON.stringify(last.components)).toContain(`scribe:regenerate:${address.generationId}`);
    expect(textDisplays(last).some((t) => t.startsWith('**Sources**'))).toBe(true);
    for (const m of fake.channelView(address.threadId!)) expect(m.content).toBe('');
  });

  it('does not post twice when a retry finds a post it may have made (maybePosted)', async () => {
    const address = await conversation();
    const first = await reporter.result(address, view(), { existingMessageIds: [], maybePosted: false });
    // The worker died before saving the ids; the retry knows only that it had started posting.
    const again = await reporter.result(address, view(), { existingMessageIds: [], maybePosted: true });
    expect(again.messageIds).toEqual(first.messageIds);
    expect(fake.channelView(address.threadId!)).toHaveLength(first.messageIds.length);
  });

  it('edits recorded messages instead of posting, and replaces one that was deleted', async () => {
    const address = await conversation();
    const first = await reporter.result(address, view('Dear Ada,\n\nFirst version.'), {
      existingMessageIds: [],
      maybePosted: false,
    });
    const postsBefore = fake.rest.callsTo('POST /channels/:channel/messages').length;
    const edited = await reporter.result(address, view('Dear Ada,\n\nSecond version.'), {
      existingMessageIds: first.messageIds,
      maybePosted: false,
    });
    expect(edited.messageIds).toEqual(first.messageIds);
    expect(fake.rest.callsTo('POST /channels/:channel/messages')).toHaveLength(postsBefore);
    expect(contents(address.threadId!)).toEqual(['Dear Ada,\n\nSecond version.']);

    await rest.delete(Routes.channelMessage(address.threadId!, first.messageIds[0]!));
    const replaced = await reporter.result(address, view('Dear Ada,\n\nThird version.'), {
      existingMessageIds: first.messageIds,
      maybePosted: false,
    });
    expect(replaced.messageIds[0]).not.toBe(first.messageIds[0]);
    expect(contents(address.threadId!)).toEqual(['Dear Ada,\n\nThird version.']);
  });

  it('waits out a 429 on a progress edit and delivers it', async () => {
    const address = await conversation();
    fake.rest.rateLimit('PATCH /channels/:channel/messages/:message', { retryAfter: 0.05 });
    await reporter.progress(address, {
      ...initialProgress('Dr. Ada Lovelace', 1),
      status: 'failed',
      error: 'Exa is down',
    });
    const edits = fake.rest.callsTo((c) => c.method === 'PATCH' && c.path.endsWith(address.progressMessageId!));
    expect(edits.map((c) => c.status)).toEqual([429, 200]);
    expect(progressOf(fake.message(address.progressMessageId!)).title).toBe(
      'Could not write the email to Dr. Ada Lovelace',
    );
  });

  it('says a failure in the thread in plain words, and only once', async () => {
    const address = await conversation();
    await reporter.failed(address, { message: 'Exa is not answering', retryable: true, tries: 4 });
    await reporter.failed(address, { message: 'Exa is not answering', retryable: true, tries: 4 });
    expect(contents(address.threadId!)).toEqual([
      '❌ Exa is not answering — failed after 4 tries. Try again later with 🔁 or /scribe.',
    ]);
  });

  it('without a thread, posts the result in the channel and replies to the progress message on failure', async () => {
    const address = await conversation({ thread: false });
    const { messageIds } = await reporter.result(address, view('Dear Ada,\n\nHello.'), {
      existingMessageIds: [],
      maybePosted: false,
    });
    expect(fake.message(messageIds[0]!).channel_id).toBe(fake.channelId);
    await reporter.failed(address, { message: 'Something broke.', retryable: false, tries: 1 });
    const reply = fake.channelView(fake.channelId).at(-1)!;
    expect(reply.text).toBe('❌ Something broke.');
    expect(fake.message(reply.id).message_reference?.message_id).toBe(address.progressMessageId);
  });

  it('turns a missing permission into a permanent error that says what to ask for', async () => {
    const address = await conversation();
    fake.denyBot(fake.channelId, Permission.SendMessagesInThreads);
    try {
      const err: unknown = await reporter
        .result(address, view('Dear Ada,\n\nHello.'), { existingMessageIds: [], maybePosted: false })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PermanentError);
      expect(err).toMatchObject({ code: ErrorCode.NotAllowed, status: 403, service: 'Discord' });
      expect((err as Error).message).toContain('Ask a server admin');
    } finally {
      fake.world.channel.permission_overwrites = [];
    }
  });

  it('derives nonces within Discord’s 25 characters, distinct per generation and part', () => {
    const a = randomUUID();
    const nonces = [nonceFor(a, 0), nonceFor(a, 1), nonceFor(a, 12), nonceFor(a, 'failed'), nonceFor(randomUUID(), 0)];
    for (const n of nonces) expect(n.length).toBeLessThanOrEqual(25);
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(nonceFor(a, 0)).toBe(nonceFor(a, 0));
  });
});
