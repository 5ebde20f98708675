/**
 * Proves the fake's Socket Mode as a real Bolt `App` with `socketMode: true` expects it: Bolt's
 * SocketModeClient asks `apps.connections.open` (with the app-level token, at the App's
 * `clientOptions.slackApiUrl`), connects to the returned ws:// URL, waits for `hello`, then acks
 * `slash_commands`, `interactive` and `events_api` envelopes by `envelope_id`.
 */
import { App, LogLevel } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeSlack, type FakeSlack, type SlackDriver } from './index.ts';

let fake: FakeSlack;
let app: App;
let slack: SlackDriver;
const events: string[] = [];

beforeAll(async () => {
  fake = await startFakeSlack();
  app = new App({
    token: fake.botToken,
    appToken: fake.appToken,
    socketMode: true,
    logLevel: LogLevel.ERROR,
    deferInitialization: true,
    // Given explicitly: without it the SocketModeClient writes its own (100 retries) into these options.
    clientOptions: { slackApiUrl: fake.apiUrl, retryConfig: { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 50 } },
  });
  app.command('/scribe', async ({ ack, body, client }) => {
    if (body.text === 'help') return ack({ text: 'Use /scribe to draft an email.' });
    await ack();
    await client.chat.postMessage({ channel: body.channel_id, text: `Working for <@${body.user_id}>` });
  });
  app.view('scribe_modal', async ({ ack }) =>
    ack({ response_action: 'errors', errors: { recipient_name: 'Required' } }),
  );
  app.event('reaction_added', async ({ event }) => {
    events.push(event.reaction);
  });
  await app.init();
  await app.start();
  slack = fake.socketDriver();
});

afterAll(async () => {
  await app?.stop();
  await fake?.close();
});

describe('fake Slack driving a real Bolt App in Socket Mode', () => {
  it('was asked for a WebSocket URL with the app token, and said hello', async () => {
    const open = fake.callsTo('apps.connections.open');
    expect(open).toHaveLength(1);
    expect(open[0]?.token).toBe(fake.appToken);
    expect(open[0]?.response?.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/link\/\?ticket=/);
    expect(fake.socket.connectionCount).toBe(1);
  });

  it('gets a slash_commands envelope acked, with the ack payload as the reply', async () => {
    const help = await slack.slashCommand({ user: 'U0GRACE', text: 'help' });
    expect(help.body).toEqual({ text: 'Use /scribe to draft an email.' });
    expect(fake.ephemeralsFor('U0GRACE')).toMatchObject([{ via: 'ack', text: 'Use /scribe to draft an email.' }]);

    const run = await slack.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
    expect(run).toMatchObject({ status: 200, body: undefined });
    expect(run.ms).toBeLessThan(3000);
    const posted = await fake.until(
      () => fake.messagesIn('C0GENERAL').find((m) => m.text === 'Working for <@U0ADA>'),
      'the post',
    );
    expect(posted.fromBot).toBe(true);
    expect(fake.socket.acks.map((a) => a.type)).toEqual(['slash_commands', 'slash_commands']);
  });

  it('gets an interactive view_submission acked with its response_action', async () => {
    const { triggerId } = await slack.slashCommand({ user: 'U0ADA', text: 'help' });
    await app.client.views.open({
      trigger_id: triggerId,
      view: {
        type: 'modal',
        callback_id: 'scribe_modal',
        title: { type: 'plain_text', text: 'Scribe' },
        submit: { type: 'plain_text', text: 'Draft' },
        blocks: [
          {
            type: 'input',
            block_id: 'recipient_name',
            label: { type: 'plain_text', text: 'Name' },
            element: { type: 'plain_text_input', action_id: 'value' },
          },
        ],
      },
    });
    const ack = await slack.submitView({ user: 'U0ADA', values: { recipient_name: '' } });
    expect(ack.body).toEqual({ response_action: 'errors', errors: { recipient_name: 'Required' } });
    expect(fake.views('U0ADA')[0]?.errors).toEqual({ recipient_name: 'Required' });
  });

  it('gets an events_api envelope acked and the event handled', async () => {
    const { ts } = fake.state.post({ channel: 'C0GENERAL', user: 'U0SCRIBEBOT', botId: 'B0SCRIBE', text: 'The email' });
    const ack = await slack.react({ user: 'U0ADA', channel: 'C0GENERAL', ts, reaction: 'arrows_counterclockwise' });
    expect(ack.status).toBe(200);
    expect(fake.socket.sent.at(-1)?.envelope).toMatchObject({
      type: 'events_api',
      accepts_response_payload: false,
      retry_attempt: 0,
    });
    // Bolt acks events before it runs the listeners.
    await vi.waitFor(() => expect(events).toEqual(['arrows_counterclockwise']));
  });

  it('refuses a WebSocket without a valid ticket', async () => {
    const { WebSocket } = await import('ws');
    const ws = new WebSocket(`${fake.apiUrl.replace('http', 'ws').replace('/api/', '')}/link/?ticket=forged`);
    const status = await new Promise<number | undefined>((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode)),
    );
    expect(status).toBe(401);
  });
});
