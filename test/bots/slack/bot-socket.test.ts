/**
 * The same bot in Socket Mode (SLACK_APP_TOKEN set): connected through apps.connections.open with
 * the app token, the same handlers answering envelopes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_BUTTON_IDS, AGENT_PROMPTS, RESULT_BUTTON_IDS as ACTIONS } from '../../../src/bots/slack/ids.ts';
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

  it('the agent view over Socket Mode: prompts on a new thread, a prompt answered in it with the form button', async () => {
    const started = await h.slack.startAgentThread({ user: 'U0ADA', contextChannel: 'C0GENERAL' });
    expect(await h.handled(started.eventId)).toMatchObject({ outcome: 'agent:prompts' });
    expect(h.fake.state.suggestedPrompts.get(`${started.channel}:${started.threadTs}`)?.prompts).toEqual(
      AGENT_PROMPTS.map((title) => ({ title, message: title })),
    );
    const asked = await h.slack.sendDm({ user: 'U0ADA', text: 'Write to a professor', threadTs: started.threadTs });
    expect(await h.handled(asked.eventId)).toMatchObject({ outcome: 'agent:Write to a professor' });
    const answer = h.fake.state.list(started.channel, started.threadTs).find((m) => m.botId && m.blocks)!;
    const click = await h.slack.clickButton({
      user: 'U0ADA',
      channel: started.channel,
      ts: answer.ts,
      actionId: AGENT_BUTTON_IDS.form,
    });
    expect(await h.handled(click.triggerId)).toMatchObject({ outcome: 'modal' });
    expect(h.fake.views('U0ADA').at(-1)?.view.callback_id).toBe('scribe_draft');

    // Bolt drops Scribe's own posts (ignoreSelf); an edit of the person's message arrives as a
    // message.im with subtype message_changed and no top-level user: not answered either.
    const own = h.slack.payloads.dmMessage({ user: 'U0ADA', text: 'Write to a professor', threadTs: started.threadTs });
    const event = own.payload.event as Record<string, unknown>;
    const { user: _user, text: _text, client_msg_id: _id, ...rest } = event;
    own.payload.event = { ...rest, subtype: 'message_changed', message: { type: 'message', user: 'U0ADA', text: 'x' } };
    await h.slack.send('event', own.payload);
    expect(await h.handled(own.eventId)).toMatchObject({ outcome: 'ignored:not-a-person' });
  });
});
