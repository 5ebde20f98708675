/**
 * Proves the fake speaks the Web API as the real WebClient expects it: tokens, form-encoded
 * arguments, response shapes, threads with metadata, edits, API errors, Block Kit limits, and
 * 429 / 500 answers that the WebClient retries (or rejects, with `rejectRateLimitedCalls`).
 * Bolt over HTTP and Socket Mode are proved in the neighbouring files.
 */
import { LogLevel, webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeSlack, type FakeSlack } from './index.ts';

const { WebClient, ErrorCode } = webApi;
let fake: FakeSlack;
let client: InstanceType<typeof WebClient>;
const retryConfig = { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 50 };

/** The Slack error code of a failed call. */
async function slackError(call: Promise<unknown>): Promise<string> {
  const error: unknown = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (
    error instanceof Error &&
    'data' in error &&
    typeof error.data === 'object' &&
    error.data !== null &&
    'error' in error.data
  ) {
    return String(error.data.error);
  }
  throw new Error(`expected a platform error, got ${String(error)}`);
}

beforeAll(async () => {
  fake = await startFakeSlack({ notInChannel: ['C0OUTSIDE'] });
  client = new WebClient(fake.botToken, { slackApiUrl: fake.apiUrl, retryConfig, logLevel: LogLevel.ERROR });
});

afterAll(async () => {
  await fake?.close();
});

describe('fake Slack Web API with the real WebClient', () => {
  it('answers auth.test with the bot identity, reading the Bearer token', async () => {
    const auth = await client.auth.test();
    expect(auth).toMatchObject({
      ok: true,
      team_id: 'T0FAKEUNI',
      user_id: 'U0SCRIBEBOT',
      bot_id: 'B0SCRIBE',
      url: 'https://fake-uni.slack.com/',
    });
    const call = fake.callsTo('auth.test').at(-1);
    expect(call?.headers.authorization).toBe(`Bearer ${fake.botToken}`);
    expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(auth.response_metadata?.scopes).toContain('chat:write');
  });

  it('refuses a missing or wrong token, and an app token where a bot token is needed', async () => {
    expect(await slackError(new WebClient(undefined, { slackApiUrl: fake.apiUrl, retryConfig }).auth.test())).toBe(
      'not_authed',
    );
    expect(await slackError(new WebClient('xoxb-wrong', { slackApiUrl: fake.apiUrl, retryConfig }).auth.test())).toBe(
      'invalid_auth',
    );
    expect(await slackError(new WebClient(fake.appToken, { slackApiUrl: fake.apiUrl, retryConfig }).auth.test())).toBe(
      'not_allowed_token_type',
    );
    expect(await slackError(client.apiCall('apps.connections.open'))).toBe('not_allowed_token_type');
    expect(await slackError(client.apiCall('no.such.method'))).toBe('unknown_method');
  });

  it('round-trips a thread: post, reply, edit, and conversations.replies with metadata', async () => {
    const metadata = { event_type: 'scribe_generation', event_payload: { generation_id: 'g-1' } };
    const parent = await client.chat.postMessage({
      channel: 'C0GENERAL',
      text: 'Drafting an email to Dr. Ada Lovelace',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Drafting* …' } }],
      metadata,
    });
    expect(parent).toMatchObject({
      ok: true,
      channel: 'C0GENERAL',
      message: { user: 'U0SCRIBEBOT', bot_id: 'B0SCRIBE', text: 'Drafting an email to Dr. Ada Lovelace' },
    });
    expect(parent.ts).toMatch(/^\d{10}\.\d{6}$/);
    const ts = parent.ts as string;
    expect(fake.callsTo('chat.postMessage').at(-1)?.args.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: '*Drafting* …' } },
    ]);

    const reply = await client.chat.postMessage({
      channel: 'C0GENERAL',
      thread_ts: ts,
      text: 'Dear Dr. Lovelace, …',
      metadata,
    });
    expect(Number(reply.ts)).toBeGreaterThan(Number(ts));
    expect(reply.message?.thread_ts).toBe(ts);

    const updated = await client.chat.update({
      channel: 'C0GENERAL',
      ts,
      text: 'Email ready',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Done ✅' } }],
    });
    expect(updated).toMatchObject({ ok: true, channel: 'C0GENERAL', ts, text: 'Email ready' });

    const thread = await client.conversations.replies({ channel: 'C0GENERAL', ts, include_all_metadata: true });
    expect(thread.messages?.map((m) => m.text)).toEqual(['Email ready', 'Dear Dr. Lovelace, …']);
    expect(thread.messages?.[0]).toMatchObject({
      reply_count: 1,
      thread_ts: ts,
      metadata,
      edited: { user: 'U0SCRIBEBOT' },
    });
    const plain = await client.conversations.replies({ channel: 'C0GENERAL', ts });
    expect(plain.messages?.[1]?.metadata).toBeUndefined();

    const seen = fake.messagesIn('C0GENERAL', ts);
    expect(seen.map((m) => m.visible)).toEqual(['Done ✅', 'Dear Dr. Lovelace, …']);
    expect(seen[0]?.versions.map((v) => v.text)).toEqual(['Drafting an email to Dr. Ada Lovelace', 'Email ready']);
  });

  it('answers Slack API errors: not in channel, unknown channel, missing message and thread, no text', async () => {
    expect(await slackError(client.chat.postMessage({ channel: 'C0OUTSIDE', text: 'hi' }))).toBe('not_in_channel');
    expect(await slackError(client.chat.postMessage({ channel: 'C0NOWHERE', text: 'hi' }))).toBe('channel_not_found');
    expect(await slackError(client.chat.update({ channel: 'C0GENERAL', ts: '1.000001', text: 'x' }))).toBe(
      'message_not_found',
    );
    expect(await slackError(client.chat.postMessage({ channel: 'C0GENERAL', thread_ts: '1.000001', text: 'x' }))).toBe(
      'thread_not_found',
    );
    expect(await slackError(client.apiCall('chat.postMessage', { channel: 'C0GENERAL' }))).toBe('no_text');
    fake.setMember('C0OUTSIDE', true);
    await expect(client.chat.postMessage({ channel: 'C0OUTSIDE', text: 'now a member' })).resolves.toMatchObject({
      ok: true,
    });
    fake.setMember('C0OUTSIDE', false);
  });

  it('enforces Block Kit limits with invalid_blocks and a JSON pointer', async () => {
    const error: unknown = await client.chat
      .postMessage({
        channel: 'C0GENERAL',
        text: 'long',
        blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }],
      })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.PlatformError, data: { error: 'invalid_blocks' } });
    expect((error as { data: { errors: string[] } }).data.errors).toEqual([
      'must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
    ]);
    const fits = await client.chat.postMessage({
      channel: 'C0GENERAL',
      text: 'ok',
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3000) } }],
    });
    expect(fits.ok).toBe(true);
  });

  it('takes feedback_buttons in a context_actions block and refuses what Slack refuses there', async () => {
    const feedbackButtons = {
      type: 'feedback_buttons',
      action_id: 'rate',
      positive_button: { text: { type: 'plain_text', text: '👍' }, value: 'up', accessibility_label: 'Good' },
      negative_button: { text: { type: 'plain_text', text: '👎' }, value: 'down' },
    };
    const post = (elements: unknown[]) =>
      client.chat.postMessage({
        channel: 'C0GENERAL',
        text: 'rate',
        blocks: [{ type: 'context_actions', elements } as never],
      });
    const errorsOf = async (elements: unknown[]) => {
      const error = (await post(elements).catch((e: unknown) => e)) as { data: { error: string; errors: string[] } };
      expect(error.data.error).toBe('invalid_blocks');
      return error.data.errors;
    };
    await expect(post([feedbackButtons])).resolves.toMatchObject({ ok: true });
    // A plain button is an `actions` block's element, not a context_actions one.
    expect(
      await errorsOf([{ type: 'button', text: { type: 'plain_text', text: 'Go' }, action_id: 'go', value: 'x' }]),
    ).toEqual(['failed to match all allowed schemas [json-pointer:/blocks/0/elements/0/type]']);
    const { negative_button: _, ...onlyPositive } = feedbackButtons;
    expect(await errorsOf([onlyPositive])).toEqual([
      'must provide an object [json-pointer:/blocks/0/elements/0/negative_button]',
    ]);
    const noValue = { ...feedbackButtons, positive_button: { text: { type: 'plain_text', text: '👍' } } };
    expect(await errorsOf([noValue])).toEqual([
      'must provide a string [json-pointer:/blocks/0/elements/0/positive_button/value]',
    ]);
    const markdownText = {
      ...feedbackButtons,
      negative_button: { text: { type: 'mrkdwn', text: '*no*' }, value: 'down' },
    };
    expect(await errorsOf([markdownText])).toEqual([
      'failed to match all allowed schemas [json-pointer:/blocks/0/elements/0/negative_button/text/type]',
    ]);
    const longLabel = {
      ...feedbackButtons,
      positive_button: { ...feedbackButtons.positive_button, accessibility_label: 'x'.repeat(76) },
    };
    expect(await errorsOf([longLabel])).toEqual([
      'must be less than 76 characters [json-pointer:/blocks/0/elements/0/positive_button/accessibility_label]',
    ]);
    expect(await errorsOf([])).toEqual(['must contain at least 1 items [json-pointer:/blocks/0/elements]']);
  });

  it('opens a DM (D…) and tells admins from others in users.info', async () => {
    const dm = await client.conversations.open({ users: 'U0GRACE' });
    expect(dm.channel?.id).toMatch(/^D[A-Z0-9]+$/);
    await client.chat.postMessage({ channel: dm.channel?.id as string, text: 'Your progress, privately' });
    expect(fake.messagesIn(fake.dmChannel('U0GRACE') as string).map((m) => m.text)).toEqual([
      'Your progress, privately',
    ]);
    expect((await client.users.info({ user: 'U0ADMIN' })).user).toMatchObject({
      id: 'U0ADMIN',
      is_admin: true,
      is_owner: false,
    });
    expect((await client.users.info({ user: 'U0ADA' })).user).toMatchObject({
      is_admin: false,
      real_name: 'Ada Lovelace',
    });
    expect(await slackError(client.users.info({ user: 'U0NOBODY' }))).toBe('user_not_found');
  });

  it('opens modals only with a fresh, unused trigger id, and checks view limits', async () => {
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Scribe' },
      submit: { type: 'plain_text' as const, text: 'Draft' },
      blocks: [
        {
          type: 'input' as const,
          block_id: 'template',
          label: { type: 'plain_text' as const, text: 'Template' },
          element: { type: 'plain_text_input' as const, action_id: 'value', initial_value: 'Dear {name}' },
        },
      ],
    };
    const trigger = fake.state.issueTrigger('U0ADA');
    const opened = await client.views.open({ trigger_id: trigger, view });
    expect(opened.view).toMatchObject({
      id: expect.stringMatching(/^V/),
      type: 'modal',
      root_view_id: opened.view?.id,
      state: { values: {} },
    });
    expect(await slackError(client.views.open({ trigger_id: trigger, view }))).toBe('exchanged_trigger_id');
    expect(await slackError(client.views.open({ trigger_id: 'made.up.trigger', view }))).toBe('invalid_trigger_id');
    fake.state.triggerTtlMs = -1;
    expect(await slackError(client.views.open({ trigger_id: fake.state.issueTrigger('U0ADA'), view }))).toBe(
      'expired_trigger_id',
    );
    fake.state.triggerTtlMs = 3000;
    const tooLong = {
      ...view,
      blocks: [{ ...view.blocks[0], element: { ...view.blocks[0]?.element, initial_value: 'x'.repeat(3001) } }],
    };
    expect(
      await slackError(
        client.views.open({ trigger_id: fake.state.issueTrigger('U0ADA'), view: tooLong as typeof view }),
      ),
    ).toBe('invalid_arguments');
    const updated = await client.views.update({
      view_id: opened.view?.id as string,
      hash: opened.view?.hash as string,
      view: { ...view, title: { type: 'plain_text', text: 'Drafting…' } },
    });
    expect(updated.view?.title).toEqual({ type: 'plain_text', text: 'Drafting…' });
    expect(
      await slackError(
        client.views.update({ view_id: opened.view?.id as string, hash: opened.view?.hash as string, view }),
      ),
    ).toBe('hash_conflict');
  });

  it('honours a response URL five times, then answers 404 used_url', async () => {
    const url = `${fake.apiUrl.replace('/api/', '')}${fake.state.issueResponseUrl('commands', { channel: 'C0GENERAL', user: 'U0ADA' })}`;
    const post = (text: string): Promise<Response> =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    for (let i = 1; i <= 5; i++) expect((await post(`reply ${i}`)).status).toBe(200);
    const sixth = await post('reply 6');
    expect([sixth.status, await sixth.text()]).toEqual([404, 'used_url']);
    expect(
      fake
        .ephemeralsFor('U0ADA')
        .filter((e) => e.via === 'response_url')
        .map((e) => e.text),
    ).toEqual(['reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5']);
  });

  it('answers 429 with Retry-After, which the WebClient waits out and retries', async () => {
    const before = fake.callsTo('chat.update').length;
    const { ts } = await client.chat.postMessage({ channel: 'C0GENERAL', text: 'step 1' });
    let rateLimited = 0;
    client.on(webApi.WebClientEvent.RATE_LIMITED, () => rateLimited++);
    fake.inject({ method: 'chat.update', retryAfter: 0 });
    await expect(client.chat.update({ channel: 'C0GENERAL', ts: ts as string, text: 'step 2' })).resolves.toMatchObject(
      { ok: true },
    );
    const calls = fake.callsTo('chat.update').slice(before);
    expect(calls.map((c) => [c.status, c.fault])).toEqual([
      [429, true],
      [200, false],
    ]);
    expect(rateLimited).toBe(1);
    expect(fake.messagesIn('C0GENERAL').at(-1)?.text).toBe('step 2');
  });

  it('lets rejectRateLimitedCalls surface the 429 with its retryAfter instead', async () => {
    const strict = new WebClient(fake.botToken, {
      slackApiUrl: fake.apiUrl,
      retryConfig,
      rejectRateLimitedCalls: true,
      logLevel: LogLevel.ERROR,
    });
    fake.inject({ method: 'chat.postMessage', retryAfter: 7 });
    const error: unknown = await strict.chat.postMessage({ channel: 'C0GENERAL', text: 'x' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: ErrorCode.RateLimitedError, retryAfter: 7 });
  });

  it('answers 500 (retried by the WebClient), dropped connections and injected latency', async () => {
    fake.inject({ method: 'auth.test', status: 500 });
    await expect(client.auth.test()).resolves.toMatchObject({ ok: true });
    fake.inject({ method: 'auth.test', status: 500, times: 2 });
    await expect(client.auth.test()).rejects.toMatchObject({ code: ErrorCode.HTTPError, statusCode: 500 });
    fake.inject({ method: 'auth.test', drop: true, times: 2 });
    await expect(client.auth.test()).rejects.toMatchObject({ code: ErrorCode.RequestError });
    fake.inject({ method: 'auth.test', error: 'ratelimited' });
    expect(await slackError(client.auth.test())).toBe('ratelimited');
    fake.setLatency(120, 'auth.test');
    const started = Date.now();
    await client.auth.test();
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    fake.setLatency(0, 'auth.test');
  });
});
