/**
 * Proves the driver speaks Slack's HTTP side as a real Bolt `App` with `HTTPReceiver` expects it:
 * signed slash commands acked in time, 401 for bad signatures and stale timestamps,
 * url_verification, a modal opened with the command's trigger id and submitted with values keyed
 * by block id (validation errors and success), a button answered through its response URL, and
 * `reaction_added` events (with Slack's retry headers) reaching handlers.
 */
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel } from '@slack/bolt';
import type { SlackEventMiddlewareArgs, types } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackDriver } from './index.ts';

let fake: FakeSlack;
let app: App;
let slack: SlackDriver;
const reactions: Array<{ event: SlackEventMiddlewareArgs<'reaction_added'>['event']; retryNum: number | undefined }> =
  [];

/** A modal like Scribe's: three inputs, the channel in private_metadata. */
function modal(channel: string): types.ModalView {
  const input = (blockId: string, label: string, multiline = false): types.InputBlock => ({
    type: 'input',
    block_id: blockId,
    label: { type: 'plain_text', text: label },
    element: { type: 'plain_text_input', action_id: 'value', multiline },
  });
  return {
    type: 'modal',
    callback_id: 'scribe_modal',
    private_metadata: JSON.stringify({ channel }),
    title: { type: 'plain_text', text: 'Scribe' },
    submit: { type: 'plain_text', text: 'Draft' },
    blocks: [
      input('template', 'Template', true),
      input('recipient_name', 'Name'),
      input('recipient_interest', 'Interest'),
    ],
  };
}

beforeAll(async () => {
  fake = await startFakeSlack();
  const receiver = new HTTPReceiver({ signingSecret: fake.signingSecret, logLevel: LogLevel.ERROR });
  app = new App({
    token: fake.botToken,
    receiver,
    logLevel: LogLevel.ERROR,
    deferInitialization: true,
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 50 } },
  });
  app.command('/scribe', async ({ ack, body, client }) => {
    if (body.text === 'help') return ack({ text: 'Use /scribe to draft an email.' });
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: modal(body.channel_id) });
  });
  app.view('scribe_modal', async ({ ack, view, client }) => {
    const name = view.state.values.recipient_name?.value?.value;
    if (!name) return ack({ response_action: 'errors', errors: { recipient_name: 'Who is the email for?' } });
    await ack();
    const { channel } = JSON.parse(view.private_metadata) as { channel: string };
    await client.chat.postMessage({
      channel,
      text: `Drafting an email to ${name}`,
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: `Drafting an email to *${name}*` } },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              action_id: 'scribe_regenerate',
              value: 'g-1',
              text: { type: 'plain_text', text: 'Regenerate' },
            },
          ],
        },
      ],
    });
  });
  app.action('scribe_regenerate', async ({ ack, respond, action }) => {
    await ack();
    await respond({
      response_type: 'ephemeral',
      text: `Regenerating ${'value' in action ? String(action.value) : ''}`,
    });
  });
  app.event('reaction_added', async ({ event, context }) => {
    reactions.push({ event, retryNum: context.retryNum });
  });
  await app.init();
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  slack = fake.httpDriver({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slack/events` });
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

describe('fake Slack driving a real Bolt App over HTTP', () => {
  it('calls auth.test at init, as Bolt does', () => {
    expect(fake.callsTo('auth.test').length).toBeGreaterThan(0);
  });

  it('delivers a signed slash command that Bolt acks within the 3 s limit, then opens the modal', async () => {
    const ack = await slack.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
    expect(ack.status).toBe(200);
    expect(ack.ms).toBeLessThan(3000);
    const call = await fake.waitForCall('views.open');
    expect(call.args.trigger_id).toBe(ack.triggerId);
    expect(call.response).toMatchObject({
      ok: true,
      view: { id: expect.stringMatching(/^V/), callback_id: 'scribe_modal' },
    });
    expect(fake.views('U0ADA')).toHaveLength(1);
  });

  it('shows an ack body to the caller only', async () => {
    const ack = await slack.slashCommand({ user: 'U0GRACE', text: 'help' });
    expect(ack.body).toEqual({ text: 'Use /scribe to draft an email.' });
    expect(fake.ephemeralsFor('U0GRACE')).toMatchObject([
      { channel: 'C0GENERAL', via: 'ack', text: 'Use /scribe to draft an email.' },
    ]);
  });

  it('gets 401 for a bad signature, a missing one and a timestamp older than five minutes', async () => {
    expect((await slack.slashCommand({}, { signature: 'bad' })).status).toBe(401);
    expect((await slack.slashCommand({}, { signature: 'missing' })).status).toBe(401);
    expect((await slack.slashCommand({}, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).status).toBe(401);
  });

  it('answers url_verification with the challenge', async () => {
    const answer = await slack.urlVerification('abc123');
    expect(answer).toMatchObject({ status: 200, body: { challenge: 'abc123' } });
  });

  it('submits the modal: errors keep it open on the field, valid values close it and post', async () => {
    const invalid = await slack.submitView({ user: 'U0ADA', values: { template: 'Dear {name}', recipient_name: '' } });
    expect(invalid.body).toEqual({ response_action: 'errors', errors: { recipient_name: 'Who is the email for?' } });
    expect(fake.views('U0ADA')[0]?.errors).toEqual({ recipient_name: 'Who is the email for?' });

    const valid = await slack.submitView({
      user: 'U0ADA',
      values: { template: 'Dear {name}', recipient_name: 'Dr. Ada Lovelace', recipient_interest: 'engines' },
    });
    expect(valid.status).toBe(200);
    expect(fake.views('U0ADA')).toHaveLength(0);
    const posted = await fake.until(
      () => fake.messagesIn('C0GENERAL').find((m) => m.text === 'Drafting an email to Dr. Ada Lovelace'),
      'the progress message',
    );
    expect(posted.visible).toBe('Drafting an email to *Dr. Ada Lovelace*\nRegenerate');
  });

  it('delivers a button press; respond() posts to the response URL, seen by the presser only', async () => {
    const message = fake.messagesIn('C0GENERAL').find((m) => m.text.startsWith('Drafting'));
    const click = await slack.clickButton({
      user: 'U0GRACE',
      channel: 'C0GENERAL',
      ts: message?.ts as string,
      actionId: 'scribe_regenerate',
    });
    expect(click.status).toBe(200);
    const shown = await fake.until(
      () => fake.ephemeralsFor('U0GRACE').find((e) => e.via === 'response_url'),
      'the ephemeral reply',
    );
    expect(shown.text).toBe('Regenerating g-1');
    expect(fake.responseUrlPosts.at(-1)?.path).toBe(new URL(click.responseUrl).pathname);
  });

  it('delivers reaction_added events, and a redelivery with its retry number', async () => {
    const { ts } = fake.state.post({
      channel: 'C0GENERAL',
      user: fake.state.bot.userId,
      botId: fake.state.bot.botId,
      text: 'The email',
    });
    const first = await slack.react({ user: 'U0ADA', channel: 'C0GENERAL', ts, reaction: 'repeat' });
    expect(first.status).toBe(200);
    const again = await slack.react(
      { user: 'U0ADA', channel: 'C0GENERAL', ts, eventId: first.eventId },
      { retry: { num: 1, reason: 'http_timeout' } },
    );
    expect(again.status).toBe(200);
    // Bolt acks events before running listeners, so the second listener may still be running.
    await vi.waitFor(() => expect(reactions).toHaveLength(2));
    expect(reactions[0]?.event).toMatchObject({
      type: 'reaction_added',
      user: 'U0ADA',
      reaction: 'repeat',
      item: { type: 'message', channel: 'C0GENERAL', ts },
      item_user: 'U0SCRIBEBOT',
    });
    expect(reactions.map((r) => r.retryNum)).toEqual([undefined, 1]);
    expect(fake.messagesIn('C0GENERAL').find((m) => m.ts === ts)?.reactions).toEqual([
      { name: 'repeat', users: ['U0ADA'] },
    ]);
  });
});
