/**
 * Acks first on Discord (src/bots/shared/ack-first.ts): a submitted form is deferred at once, and
 * its start (database reads, the progress post, the thread, the transaction) waits while another
 * ack is on its way — here one the test holds, as a burst of Slack or Discord acks would — for at
 * most MAX_HOLD_MS before each of its calls. Real discord.js, Postgres and pg-boss, fake Discord.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ackStarted, MAX_HOLD_MS } from '../../../src/bots/shared/ack-first.ts';
import { startHarness, TEMPLATE, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

/** The calls a start waits before: its reads, the outreach memory, the post, the thread, the transaction. */
const START_WAITS = 5;

it('defers a submitted form at once, and starts it only after the acks on their way (at most MAX_HOLD_MS a call)', async () => {
  const { grace } = h.fake.people;
  const form = h.fake.slashCommand({ user: grace });
  expect((await h.handled(form.id)).outcome).toBe('modal');
  const publicMessages = () => h.fake.channelView(h.fake.channelId).filter((m) => !m.ephemeral);
  const posts = publicMessages().length;

  const otherAck = ackStarted(); // on its way until the test ends it
  try {
    const submitted = h.fake.submitModal(form.id, {
      template: TEMPLATE,
      recipient_name: 'Dr. Ada Lovelace',
      recipient_interest: 'analytical engines',
    });
    const deferral = await h.fake.nextCallback(submitted.id);
    expect(deferral.type).toBe(5);
    // Nothing was posted with the deferral: the start is waiting.
    expect(publicMessages()).toHaveLength(posts);
    expect((await h.handled(submitted.id)).outcome).toBe('started');
    // Each of its calls waited out the held ack's MAX_HOLD_MS: a bound from below, so load cannot fail it.
    expect(performance.now() - deferral.receivedAt).toBeGreaterThanOrEqual(START_WAITS * MAX_HOLD_MS);
    expect(publicMessages()).toHaveLength(posts + 1);
  } finally {
    otherAck();
  }
});
