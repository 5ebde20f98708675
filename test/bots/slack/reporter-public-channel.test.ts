/**
 * Exactly once in a public channel Scribe posts to through `chat:write.public` without being a
 * member: Slack refuses to read threads there (`not_in_channel`), so a retry that may already have
 * posted joins the channel (`channels:join`) to look for its post, and edits it instead of posting
 * a second email. The real WebClient against the fake Slack, with the manifest's scopes.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackClient, type WebClient } from '../../../src/bots/slack/client.ts';
import { createSlackReporter } from '../../../src/bots/slack/reporter.ts';
import { ErrorCode, PermanentError } from '../../../src/errors.ts';
import type { ThreadAddress } from '../../../src/thread/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import { DEFAULT_SCOPES, startFakeSlack, type FakeSlack } from '../../fakes/slack/index.ts';
import { resultView } from '../../helpers/result-view.ts';

const RETRY = { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 50 };
const PUBLIC = 'C0PUBLIC';

async function start(scopes: readonly string[]) {
  const fake = await startFakeSlack({ notInChannel: [PUBLIC], scopes });
  const client = createSlackClient(
    { botToken: fake.botToken, apiUrl: fake.apiUrl },
    { logger: silentLogger(), retryConfig: RETRY },
  );
  return { fake, client, reporter: createSlackReporter({ client, logger: silentLogger() }) };
}

let manifest: Awaited<ReturnType<typeof start>>;
let noJoin: Awaited<ReturnType<typeof start>>;

beforeAll(async () => {
  [manifest, noJoin] = await Promise.all([
    start([...DEFAULT_SCOPES, 'chat:write.public', 'channels:join']),
    start([...DEFAULT_SCOPES, 'chat:write.public']),
  ]);
});

afterAll(async () => {
  await Promise.all([manifest?.fake.close(), noJoin?.fake.close()]);
});

const view = resultView;

/** The progress message, posted as the bot posts it (no membership needed with chat:write.public). */
async function conversation(client: WebClient): Promise<ThreadAddress> {
  const { ts } = await client.chat.postMessage({ channel: PUBLIC, text: 'Drafting an email to Dr. Ada Lovelace' });
  return {
    generationId: randomUUID(),
    platform: 'slack',
    teamId: 'T0FAKEUNI',
    channelId: PUBLIC,
    threadId: ts!,
    progressMessageId: ts!,
  };
}

/** The thread's replies (the parent is the progress message): here, only emails. */
const emailsIn = (fake: FakeSlack, address: ThreadAddress) => fake.messagesIn(PUBLIC, address.threadId!).slice(1);

describe('Slack reporter in a public channel it is not in', () => {
  it('joins the channel to find its earlier post, and edits it instead of posting twice', async () => {
    const { fake, client, reporter } = manifest;
    const address = await conversation(client);
    const postingSince = new Date();
    // The first attempt posts, then its worker dies before the row records where the email went.
    const first = await reporter.result(address, view('Dear Ada,\n\nFirst try.'), {
      existingMessageIds: [],
      maybePosted: false,
    });
    expect(fake.state.channels.get(PUBLIC)?.member).toBe(false);

    const again = await reporter.result(address, view('Dear Ada,\n\nRetried.'), {
      existingMessageIds: [],
      maybePosted: true,
      postingSince,
    });
    expect(again.messageIds).toEqual(first.messageIds);
    const emails = emailsIn(fake, address);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.visible).toContain('Retried.');
    // Slack refused the read, the reporter joined, and the second read found the post.
    expect(fake.callsTo('conversations.replies').map((c) => c.response?.error ?? 'ok')).toEqual([
      'not_in_channel',
      'ok',
    ]);
    expect(fake.callsTo('conversations.join').map((c) => c.args.channel)).toEqual([PUBLIC]);
    expect(fake.state.channels.get(PUBLIC)?.member).toBe(true);
  });

  it('without channels:join, fails saying what to fix rather than risk a second email', async () => {
    const { fake, client, reporter } = noJoin;
    const address = await conversation(client);
    await reporter.result(address, view('Dear Ada,\n\nFirst try.'), { existingMessageIds: [], maybePosted: false });
    const err: unknown = await reporter
      .result(address, view('Dear Ada,\n\nRetried.'), { existingMessageIds: [], maybePosted: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: ErrorCode.NotConfigured, service: 'Slack' });
    expect((err as Error).message).toContain('missing_scope');
    expect((err as Error).message).toContain('slack/manifest.yml');
    expect(emailsIn(fake, address)).toHaveLength(1);
  });
});
