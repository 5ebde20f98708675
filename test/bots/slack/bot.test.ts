/**
 * The Slack bot over HTTP, mounted on Scribe's own HTTP server: `/scribe`, the modal and its
 * submission, help / history / status, request verification, the quota and the DM fallback.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ackStarted, acksOnTheirWayNow, lastChatActivity, MAX_HOLD_MS } from '../../../src/bots/shared/ack-first.ts';
import { startSlackBot } from '../../../src/bots/slack/bot.ts';
import { ErrorCode } from '../../../src/errors.ts';
import type { HttpServer } from '../../../src/http/server.ts';
import { createGeneration } from '../../../src/requests/commit/start.ts';
import { silentLogger } from '../../../src/log.ts';
import { startHarness, DAILY_QUOTA, OUTSIDE, RETRY, TEMPLATE, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ mode: 'http' });
});

afterAll(async () => {
  await h?.close();
});

type InputBlock = { type: string; block_id?: string; element?: { initial_value?: string; multiline?: boolean } };
const blocksOf = (view: { blocks: unknown[] } | undefined) => (view?.blocks ?? []) as InputBlock[];

describe('Slack bot over HTTP', () => {
  it('mounts on Scribe’s HTTP server: url_verification, and 401 for a bad signature or an old timestamp', async () => {
    expect(await h.slack.urlVerification('challenge-42')).toMatchObject({
      status: 200,
      body: { challenge: 'challenge-42' },
    });
    expect((await h.slack.slashCommand({ text: 'help' }, { signature: 'bad' })).status).toBe(401);
    expect((await h.slack.slashCommand({ text: 'help' }, { signature: 'missing' })).status).toBe(401);
    expect(
      (await h.slack.slashCommand({ text: 'help' }, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status,
    ).toBe(401);
    expect(h.fake.callsTo('views.open')).toHaveLength(0);
  });

  it('refuses a body over 4 MB with 413 before reading it, and hands a signed one to Bolt', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: h.http!.port, method: 'POST', path: '/slack/events' },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.setHeader('content-type', 'application/x-www-form-urlencoded');
      req.setHeader('content-length', String(5 * 1024 * 1024));
      req.write('command=%2Fscribe');
    });
    expect(status).toBe(413);
    const help = await h.slack.slashCommand({ text: 'help' });
    expect(help.status).toBe(200);
    expect(help.text).toContain('/scribe');
  });

  it('says when its server accepts a connection, so post-ack work waits for the rest of a burst (ack-first.ts)', async () => {
    // No ack on its way, so only the server's `connection` event can move the last activity.
    expect(acksOnTheirWayNow()).toBe(0);
    const before = lastChatActivity();
    await new Promise((r) => setTimeout(r, 5));
    const accepted = new Promise<void>((resolve) => h.http!.server.once('connection', () => resolve()));
    const socket = net.connect(h.http!.port, '127.0.0.1');
    await accepted; // the bot's listener was added first, so it has run
    socket.destroy();
    expect(lastChatActivity()).toBeGreaterThan(before);
  });

  it('a failure after the ack: the person hears an apology, privately', async () => {
    h.fake.inject({ method: 'views.open', error: 'internal_error' });
    const command = await h.slack.slashCommand({ user: 'U0SORRY', channel: 'C0GENERAL', text: '' });
    expect(command.status).toBe(200);
    expect(await h.handled(command.triggerId)).toMatchObject({ outcome: 'error' });
    expect(h.fake.ephemeralsFor('U0SORRY').at(-1)).toMatchObject({
      via: 'response_url',
      text: 'Something went wrong on Scribe’s side. Please try again in a minute.',
    });
  });

  it('slash → modal → submission → progress message in the channel, a row with its address and a job', async () => {
    const command = await h.slack.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
    expect(command.status).toBe(200);
    expect(command.ms).toBeLessThan(3000);
    expect(await h.handled(command.triggerId)).toMatchObject({ outcome: 'modal' });
    const open = h.fake.callsTo('views.open').at(-1);
    expect(open?.args.trigger_id).toBe(command.triggerId);
    const [modal] = h.fake.views('U0ADA');
    expect(
      blocksOf(modal?.view)
        .filter((b) => b.type === 'input')
        .map((b) => b.block_id),
    ).toEqual([
      'template',
      'recipient_name',
      'recipient_interest',
      'identity_hint',
      'review_research',
      'personal_line',
      'save_as',
    ]);
    expect(blocksOf(modal?.view)[0]?.element).toMatchObject({ multiline: true });
    expect(JSON.parse(String(modal?.view.private_metadata))).toMatchObject({
      channel: 'C0GENERAL',
      responseUrl: command.responseUrl,
    });

    const submitted = await h.slack.submitView({
      user: 'U0ADA',
      values: { template: TEMPLATE, recipient_name: 'Dr. Ada Lovelace', recipient_interest: 'analytical engines' },
    });
    expect(submitted.status).toBe(200);
    expect(submitted.body).toBeUndefined();
    expect(h.fake.views('U0ADA')).toHaveLength(0);
    expect(await h.handled(submitted.viewId)).toMatchObject({ outcome: 'started:channel' });

    const progress = h.fake.messagesIn('C0GENERAL').find((m) => m.text === 'Drafting an email to Dr. Ada Lovelace');
    expect(progress?.fromBot).toBe(true);
    expect(progress?.visible).toContain('◻️ Reading the template');
    const [mention] = h.fake.messagesIn('C0GENERAL', progress!.ts).slice(1);
    expect(mention?.text).toContain('<@U0ADA>');
    const generation = await h.generationByProgress(progress!.ts);
    expect(generation).toMatchObject({
      status: 'queued',
      platform: 'slack',
      teamId: 'T0FAKEUNI',
      channelId: 'C0GENERAL',
      threadId: progress!.ts,
      progressMessageId: progress!.ts,
      recipientName: 'Dr. Ada Lovelace',
      recipientInterest: 'analytical engines',
      template: TEMPLATE,
    });
    expect((await h.jobsFor(generation!.id)).map((j) => (j as { data: unknown }).data)).toEqual([
      { generationId: generation!.id },
    ]);
  });

  it('prefills the modal with the person’s last template', async () => {
    const command = await h.slack.slashCommand({ user: 'U0ADA', text: '' });
    await h.handled(command.triggerId);
    const [modal] = h.fake.views('U0ADA');
    expect(blocksOf(modal?.view)[0]?.element?.initial_value).toBe(TEMPLATE);
    h.fake.state.views.get(modal!.id)!.state = 'closed';
  });

  it('shows validation errors on the fields, keeps the modal open and starts nothing', async () => {
    const command = await h.slack.slashCommand({ user: 'U0GRACE', text: '' });
    await h.handled(command.triggerId);
    const posts = h.fake.callsTo('chat.postMessage').length;
    const submitted = await h.slack.submitView({
      user: 'U0GRACE',
      values: { template: 'Too short', recipient_name: '  ', recipient_interest: 'compilers' },
    });
    expect(submitted.body).toEqual({
      response_action: 'errors',
      errors: {
        template: 'The template must be at least 20 characters',
        recipient_name: "The recipient's name is required",
      },
    });
    expect(h.fake.views('U0GRACE')[0]?.errors).toMatchObject({ recipient_name: "The recipient's name is required" });
    expect(await h.handled(submitted.viewId)).toMatchObject({ outcome: 'invalid' });
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(posts);
    h.fake.state.views.get(submitted.viewId)!.state = 'closed';
  });

  it('asks on the form where a personal line goes when the template has no recipient placeholder', async () => {
    const plain = 'Dear colleague,\n\nYou are invited to our workshop in May.\n\nBest regards,\n[Your Name]';
    const values = { template: plain, recipient_name: 'Dr. Ada Lovelace', recipient_interest: 'analytical engines' };
    const command = await h.slack.slashCommand({ user: 'U0GRACE', text: '' });
    await h.handled(command.triggerId);
    const posts = h.fake.callsTo('chat.postMessage').length;
    const asked = await h.slack.submitView({ user: 'U0GRACE', values });
    expect(asked.body).toMatchObject({ response_action: 'errors' });
    expect((asked.body as { errors: Record<string, string> }).errors.personal_line).toContain('none for the recipient');
    expect(await h.handled(asked.viewId)).toMatchObject({ outcome: 'no-recipient-slot' });
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(posts);

    const chosen = await h.slack.submitView({
      user: 'U0GRACE',
      values: { ...values, personal_line: 'before-signoff' },
    });
    expect(chosen.body).toBeUndefined();
    expect(await h.handled(chosen.viewId, 2)).toMatchObject({ outcome: 'started:channel' });
    const progress = h.fake.messagesIn('C0GENERAL').filter((m) => m.text === 'Drafting an email to Dr. Ada Lovelace');
    const generation = await h.generationByProgress(progress.at(-1)!.ts);
    expect(generation?.template).toBe(
      'Dear colleague,\n\nYou are invited to our workshop in May.\n\n[personal line]\n\nBest regards,\n[Your Name]',
    );
  });

  it("checks the form's quota only after the acks on their way (yieldTo): the modal first", async () => {
    // Another request's ack on its way, for the whole test: each wait then lasts MAX_HOLD_MS.
    const ended = ackStarted();
    try {
      const command = await h.slack.slashCommand({ user: 'U0HELD', text: '' });
      await h.handled(command.triggerId);
      const opened = h.fake.callsTo('views.open').at(-1)!.at;
      // The person's row is first written by the quota check (the form's prefill writes nothing).
      const { rows } = await h.db.pool.query<{ created_at: Date }>(
        'SELECT created_at FROM users WHERE platform_user_id = $1',
        ['U0HELD'],
      );
      // A lower bound on time: load can only make it longer.
      expect(rows[0]!.created_at.getTime() - opened).toBeGreaterThanOrEqual(MAX_HOLD_MS - 50);
    } finally {
      ended();
    }
  });

  it('says the quota is reached on the modal, and posts nothing', async () => {
    const user = { platform: 'slack' as const, teamId: 'T0FAKEUNI', platformUserId: 'U0BUSY' };
    for (let i = 0; i < DAILY_QUOTA; i++) {
      await createGeneration(
        { pool: h.db.pool, boss: h.queue.boss, dailyQuota: DAILY_QUOTA },
        {
          user,
          request: { template: TEMPLATE, recipientName: `Dr. ${i}`, recipientInterest: 'x' },
        },
      );
    }
    const command = await h.slack.slashCommand({ user: 'U0BUSY', text: '' });
    await h.handled(command.triggerId);
    const posts = h.fake.callsTo('chat.postMessage').length;
    const submitted = await h.slack.submitView({
      user: 'U0BUSY',
      values: { template: TEMPLATE, recipient_name: 'Dr. Grace Hopper', recipient_interest: 'compilers' },
    });
    expect(submitted.body).toMatchObject({
      response_action: 'update',
      view: { title: { text: 'Daily quota reached' } },
    });
    expect(JSON.stringify(h.fake.views('U0BUSY')[0]?.view.blocks)).toContain(
      `You have used all ${DAILY_QUOTA} emails for today`,
    );
    expect(await h.handled(submitted.viewId)).toMatchObject({ outcome: 'quota' });
    expect(h.fake.callsTo('chat.postMessage')).toHaveLength(posts);
  });

  it('drafts in a DM when the bot is not in the channel, and says why', async () => {
    const { outcome } = await h.draft({ user: 'U0GRACE', channel: OUTSIDE, name: 'Dr. Grace Hopper' });
    expect(outcome).toBe('started:dm');
    const dm = h.fake.dmChannel('U0GRACE')!;
    const [why, progress] = h.fake.messagesIn(dm);
    expect(why?.text).toContain(`I'm not a member of <#${OUTSIDE}>`);
    expect(progress?.text).toBe('Drafting an email to Dr. Grace Hopper');
    expect(h.fake.ephemeralsFor('U0GRACE', OUTSIDE).map((e) => [e.via, e.text])).toEqual([
      ['response_url', expect.stringContaining('drafting your email to *Dr. Grace Hopper* in our DM instead')],
    ]);
    const generation = await h.generationByProgress(progress!.ts);
    expect(generation).toMatchObject({ channelId: dm, threadId: progress!.ts, progressMessageId: progress!.ts });
    expect(await h.jobsFor(generation!.id)).toHaveLength(1);
  });

  it('answers help, history and status to the caller only', async () => {
    const help = await h.slack.slashCommand({ user: 'U0ADA', text: 'help' });
    expect(help.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('/scribe history') });

    const history = await h.slack.slashCommand({ user: 'U0ADA', text: 'history' });
    expect(await h.handled(history.triggerId)).toMatchObject({ outcome: 'history' });
    const shown = h.fake
      .ephemeralsFor('U0ADA')
      .filter((e) => e.via === 'response_url')
      .at(-1);
    expect(shown?.text).toContain('*Dr. Ada Lovelace*');
    expect(shown?.text).toMatch(/<https:\/\/fake-uni\.slack\.com\/archives\/C0GENERAL\/p\d{16}\|open>/);

    const status = await h.slack.slashCommand({ user: 'U0ADA', text: 'status' });
    expect(await h.handled(status.triggerId)).toMatchObject({ outcome: 'status' });
    const statusText = h.fake
      .ephemeralsFor('U0ADA')
      .filter((e) => e.via === 'response_url')
      .at(-1)?.text;
    expect(statusText).toContain('Queue: ');
    expect(statusText).toContain(`Your quota: ${DAILY_QUOTA - 1} of ${DAILY_QUOTA} emails left today`);
    expect(statusText).toContain('none running');

    const unknown = await h.slack.slashCommand({ user: 'U0ADA', text: 'frobnicate' });
    expect(unknown.body).toMatchObject({ text: expect.stringContaining("I don't know `/scribe frobnicate`") });
    expect(h.fake.messagesIn('C0GENERAL').filter((m) => m.text.includes('Scribe status'))).toHaveLength(0);
  });

  it('refuses to start with a bad token, saying which one and why', async () => {
    const options = {
      pool: h.db.pool,
      boss: h.queue.boss,
      dailyQuota: DAILY_QUOTA,
      researchCacheTtlMs: 0,
      logger: silentLogger(),
      retryConfig: RETRY,
    };
    const http = { route: () => expect.unreachable('no route for a bot that did not start') } as unknown as HttpServer;
    const badBot = {
      botToken: 'xoxb-wrong',
      signingSecret: h.fake.signingSecret,
      appToken: undefined,
      apiUrl: h.fake.apiUrl,
    };
    await expect(startSlackBot({ ...options, http, config: badBot })).rejects.toMatchObject({
      code: ErrorCode.NotConfigured,
      message: expect.stringContaining('(invalid_auth) while checking SLACK_BOT_TOKEN'),
    });
    const badApp = {
      botToken: h.fake.botToken,
      signingSecret: undefined,
      appToken: 'xapp-1-wrong',
      apiUrl: h.fake.apiUrl,
    };
    await expect(startSlackBot({ ...options, config: badApp })).rejects.toMatchObject({
      code: ErrorCode.NotConfigured,
      message: expect.stringContaining('SLACK_APP_TOKEN'),
    });
    const noSecret = {
      botToken: h.fake.botToken,
      signingSecret: undefined,
      appToken: undefined,
      apiUrl: h.fake.apiUrl,
    };
    await expect(startSlackBot({ ...options, http, config: noSecret })).rejects.toMatchObject({
      code: ErrorCode.NotConfigured,
    });
  });

  it('once stopped, answers 503 (Slack retries elsewhere) while the HTTP server stays up', async () => {
    await h.bot.stop();
    expect((await h.slack.slashCommand({ text: 'help' })).status).toBe(503);
  });
});
