/**
 * Slack's agent view, end to end (`scribe start` as a child process, every service faked): a new
 * agent thread gets the three suggested prompts; "Write to a professor" is answered in the thread
 * with a button that opens the /scribe form, and the email started from it titles the thread after
 * its recipient; "Batch from a list" opens the batch form; "My outreach history" lists the emails,
 * as `/scribe history` does; anything else gets the form's button; the channel `/scribe` flow
 * titles nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AGENT_PROMPTS } from '../../../src/bots/slack/ids.ts';
import { ADA_FORM, startSlackService, type SlackService } from '../../helpers/e2e.ts';
import { RECIPIENT } from '../../helpers/services.ts';

let e2e: SlackService;

beforeAll(async () => {
  e2e = await startSlackService();
});

afterAll(() => e2e?.close());

type Block = { type: string; elements?: { action_id: string; text: { text: string } }[] };

/** Scribe's newest reply in the agent thread, once there are `count` of them. */
async function reply(channel: string, threadTs: string, count: number) {
  const { slack } = e2e;
  const replies = () => slack.state.list(channel, threadTs).filter((m) => m.botId && m.ts !== threadTs);
  return slack.until(() => replies()[count - 1], `Scribe's reply #${count}`, 15_000);
}
const buttonOf = (blocks: unknown[] | undefined) =>
  (blocks as Block[] | undefined)?.find((b) => b.type === 'actions')?.elements?.[0];

it('a new agent thread gets the three suggested prompts', async () => {
  const { slack, driver } = e2e;
  const { channel, threadTs, status } = await driver.startAgentThread({ user: 'U0ADA', contextChannel: 'C0GENERAL' });
  expect(status).toBe(200);
  const set = await slack.until(() => slack.state.suggestedPrompts.get(`${channel}:${threadTs}`), 'the prompts');
  expect(set.prompts.map((p) => p.title)).toEqual([...AGENT_PROMPTS]);
  expect(set.prompts.map((p) => p.message)).toEqual([...AGENT_PROMPTS]);
}, 30_000);

it('"Write to a professor" → a button that opens the form; the email titles the thread', async () => {
  const { slack, driver } = e2e;
  const { channel, threadTs } = await driver.startAgentThread({ user: 'U0ADA' });
  await driver.sendDm({ user: 'U0ADA', text: 'Write to a professor', threadTs });
  const answer = await reply(channel, threadTs, 1);
  const button = buttonOf(answer.blocks);
  expect(button?.text.text).toBe('Open the form');

  await driver.clickButton({ user: 'U0ADA', channel, ts: answer.ts, actionId: button!.action_id });
  const form = await slack.until(
    () => slack.views('U0ADA').find((v) => v.view.callback_id === 'scribe_draft'),
    'the /scribe form',
  );
  expect(JSON.parse(form.view.private_metadata as string)).toEqual({ channel, agentThread: threadTs });
  await driver.submitView({ user: 'U0ADA', values: ADA_FORM });

  const title = await slack.until(() => slack.state.threadTitles.get(`${channel}:${threadTs}`), 'the title', 15_000);
  expect(title).toBe(`Email to ${RECIPIENT.recipientName}`);
  // The email is drafted in the DM, as the channel flow drafts in its channel.
  const progress = await slack.until(
    () => slack.state.list(channel).find((m) => m.botId && m.text.includes(RECIPIENT.recipientName)),
    'the progress message in the DM',
    15_000,
  );
  expect(progress.threadTs ?? progress.ts).not.toBe(threadTs);
}, 60_000);

it('"Batch from a list" opens the batch form; "My outreach history" lists the emails', async () => {
  const { slack, driver } = e2e;
  const { channel, threadTs } = await driver.startAgentThread({ user: 'U0ADA' });
  await driver.sendDm({ user: 'U0ADA', text: 'Batch from a list', threadTs });
  const answer = await reply(channel, threadTs, 1);
  const button = buttonOf(answer.blocks);
  expect(button?.text.text).toBe('Open the batch form');
  await driver.clickButton({ user: 'U0ADA', channel, ts: answer.ts, actionId: button!.action_id });
  const batch = await slack.until(
    () => slack.views('U0ADA').find((v) => v.view.callback_id === 'scribe_batch'),
    'the batch form',
  );
  slack.state.views.get(batch.id)!.state = 'closed';

  await driver.sendDm({ user: 'U0ADA', text: 'My outreach history', threadTs });
  const history = await reply(channel, threadTs, 2);
  expect(history.text).toContain('Your last email');
  expect(history.text).toContain(`*${RECIPIENT.recipientName}*`);

  // Anything else: the form's button, and a hint naming the other prompts.
  await driver.sendDm({ user: 'U0ADA', text: 'hello?', threadTs });
  const other = await reply(channel, threadTs, 3);
  expect(other.text).toContain('Batch from a list');
  expect(buttonOf(other.blocks)?.text.text).toBe('Open the form');
}, 60_000);

it('the channel /scribe flow titles no thread', async () => {
  const { slack, driver } = e2e;
  const titles = slack.state.threadTitles.size;
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  const form = await slack.until(
    () => slack.views('U0ADA').find((v) => v.view.callback_id === 'scribe_draft'),
    'the form',
  );
  expect(JSON.parse(form.view.private_metadata as string).agentThread).toBeUndefined();
  const submitted = await driver.submitView({ user: 'U0ADA', values: ADA_FORM });
  // The submission's handler has finished (a title would have been set before it returns).
  const handled = await e2e.scribe.waitForEvent({ event: 'request.handled', id: submitted.viewId }, 15_000);
  expect(handled).toMatchObject({ outcome: 'started:channel' });
  expect(slack.state.threadTitles.size).toBe(titles);
}, 60_000);
