/**
 * The same bot in Socket Mode (SLACK_APP_TOKEN set): connected through apps.connections.open with
 * the app token, the same handlers answering envelopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESULT_BUTTON_IDS as ACTIONS } from '../../../src/bots/slack/ids.ts';
import { startHarness, TEMPLATE, type Harness } from './harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ mode: 'socket' });
});

afterAll(async () => {
  await h?.close();
});

describe('Slack bot in Socket Mode', () => {
  it('connects with the app token and opens no HTTP route', async () => {
    expect(h.bot.mode).toBe('socket');
    expect(h.http).toBeUndefined();
    expect(h.fake.callsTo('apps.connections.open').map((c) => c.token)).toEqual([h.fake.appToken]);
    expect(h.fake.socket.connectionCount).toBe(1);
  });

  it('slash → modal → submission → progress message, row and job; help answered in the ack', async () => {
    const help = await h.slack.slashCommand({ user: 'U0ADA', text: 'help' });
    expect(help.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringContaining('/scribe') });

    const command = await h.slack.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
    expect(command.ms).toBeLessThan(3000);
    expect(await h.handled(command.triggerId)).toMatchObject({ outcome: 'modal' });
    const invalid = await h.slack.submitView({
      user: 'U0ADA',
      values: { template: TEMPLATE, recipient_name: '', recipient_interest: 'engines' },
    });
    expect(invalid.body).toEqual({
      response_action: 'errors',
      errors: { recipient_name: "The recipient's name is required" },
    });

    const submitted = await h.slack.submitView({
      user: 'U0ADA',
      values: { template: TEMPLATE, recipient_name: 'Dr. Ada Lovelace', recipient_interest: 'analytical engines' },
    });
    expect(await h.handled(submitted.viewId, 2)).toMatchObject({ outcome: 'started:channel' });
    const progress = h.fake.messagesIn('C0GENERAL').find((m) => m.text === 'Drafting an email to Dr. Ada Lovelace');
    const generation = await h.generationByProgress(progress!.ts);
    expect(generation).toMatchObject({
      channelId: 'C0GENERAL',
      threadId: progress!.ts,
      progressMessageId: progress!.ts,
    });
    expect(await h.jobsFor(generation!.id)).toHaveLength(1);
    expect(h.fake.socket.acks.every((a) => a.ms < 3000)).toBe(true);
  });

  it('a reaction and a button by the requester each start a version; others are ignored', async () => {
    const progress = h.fake.messagesIn('C0GENERAL').find((m) => m.text === 'Drafting an email to Dr. Ada Lovelace')!;
    const parent = (await h.generationByProgress(progress.ts))!;
    const [resultTs] = await h.succeed(parent);

    const other = await h.slack.react({ user: 'U0GRACE', channel: 'C0GENERAL', ts: resultTs!, reaction: 'repeat' });
    expect(await h.handled(other.eventId)).toMatchObject({ outcome: 'ignored:not-allowed' });
    const reaction = await h.slack.react({ user: 'U0ADA', channel: 'C0GENERAL', ts: resultTs!, reaction: 'repeat' });
    expect(await h.handled(reaction.eventId)).toMatchObject({ outcome: 'started' });
    const button = await h.slack.clickButton({
      user: 'U0ADA',
      channel: 'C0GENERAL',
      ts: resultTs!,
      actionId: ACTIONS.shorter,
    });
    expect(await h.handled(button.triggerId)).toMatchObject({ outcome: 'started' });
    expect((await h.children(parent.id)).map((c) => c.version)).toEqual([2, 3]);
  });
});
