/**
 * 👍 / 👎 on each version from Slack, end to end: the result's `feedback_buttons` (validated by the
 * fake as Slack validates them), a press stored per person and version, the ephemeral thanks,
 * `/scribe history` showing it, and `scribe_feedback_total` counting it on /metrics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPromMetrics, type PromMetrics } from '../../../src/http/metrics.ts';
import type { Generation } from '../../../src/db/generations.ts';
import { FEEDBACK_ACTION_ID } from '../../../src/bots/slack/ids.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
let prom: PromMetrics;

beforeAll(async () => {
  // The bot counts into the /metrics registry made on its database once both exist.
  h = await startHarness({
    mode: 'http',
    metrics: { feedback: (value, platform) => prom.metrics.feedback(value, platform) },
  });
  prom = await createPromMetrics({ db: h.db.pool });
});

afterAll(async () => {
  await h?.close();
});

/** A finished email by `user`: its row and its result message's ts. */
async function finishedEmail(user = 'U0ADA', name = 'Dr. Ada Lovelace'): Promise<{ g: Generation; resultTs: string }> {
  const { outcome } = await h.draft({ user, name });
  expect(outcome).toBe('started:channel');
  const progress = h.fake
    .messagesIn('C0GENERAL')
    .filter((m) => m.fromBot && !m.streamed)
    .at(-1)!;
  const g = (await h.generationByProgress(progress.ts))!;
  const [resultTs] = await h.succeed(g);
  return { g, resultTs: resultTs! };
}

/** Presses 👍 (`positive`) or 👎 on the result; resolves with the handler's outcome and what the person was told. */
async function press(
  g: Generation,
  resultTs: string,
  feedback: 'positive' | 'negative',
  user = 'U0ADA',
): Promise<{ outcome: string; told: string | undefined }> {
  const click = await h.slack.clickButton({
    user,
    channel: g.channelId!,
    ts: resultTs,
    actionId: FEEDBACK_ACTION_ID,
    feedback,
  });
  expect(click.status).toBe(200);
  const { outcome } = await h.handled(click.triggerId);
  const told = h.fake
    .ephemeralsFor(user, g.channelId!)
    .filter((e) => e.via === 'response_url')
    .at(-1)?.text;
  return { outcome, told };
}

async function stored(g: Generation): Promise<Array<{ user: string; value: string }>> {
  const { rows } = await h.db.pool.query<{ user: string; value: string }>(
    `SELECT u.platform_user_id AS user, f.value FROM feedback f JOIN users u ON u.id = f.user_id
     WHERE f.generation_id = $1 ORDER BY u.platform_user_id`,
    [g.id],
  );
  return rows;
}

/** `scribe_feedback_total` for a value on Slack, as /metrics serves it (0 when absent). */
async function counted(value: 'up' | 'down'): Promise<number> {
  const line = (await prom.text())
    .split('\n')
    .find((l) => l.startsWith(`scribe_feedback_total{value="${value}",platform="slack"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

describe('Slack feedback on each version', () => {
  it('shows 👍 / 👎 as feedback_buttons under the result, accepted by the fake as by Slack', async () => {
    const { g, resultTs } = await finishedEmail();
    const result = h.fake.messagesIn(g.channelId!, g.threadId!).find((m) => m.ts === resultTs)!;
    const block = result.blocks?.at(-1) as Record<string, unknown>;
    expect(block).toEqual({
      type: 'context_actions',
      block_id: 'scribe_result_feedback',
      elements: [
        {
          type: 'feedback_buttons',
          action_id: FEEDBACK_ACTION_ID,
          positive_button: {
            text: { type: 'plain_text', text: '👍', emoji: true },
            value: `feedback_up:${g.id}`,
            accessibility_label: 'Good version: rate this version',
          },
          negative_button: {
            text: { type: 'plain_text', text: '👎', emoji: true },
            value: `feedback_down:${g.id}`,
            accessibility_label: 'Needs work: rate this version',
          },
        },
      ],
    });
  });

  it('stores a press once per person and version, changes it with the other button, thanks privately, counts it', async () => {
    const { g, resultTs } = await finishedEmail();
    const [up0, down0] = [await counted('up'), await counted('down')];

    expect(await press(g, resultTs, 'positive')).toEqual({
      outcome: 'feedback',
      told: 'Thanks — noted: 👍 on this email.',
    });
    expect(await stored(g)).toEqual([{ user: 'U0ADA', value: 'up' }]);
    expect(await counted('up')).toBe(up0 + 1);

    // The same button again changes nothing and counts nothing.
    expect(await press(g, resultTs, 'positive')).toEqual({
      outcome: 'feedback',
      told: 'Already noted: 👍 on this email. Thanks!',
    });
    expect(await counted('up')).toBe(up0 + 1);

    // The other one changes it: still one row.
    expect(await press(g, resultTs, 'negative')).toEqual({
      outcome: 'feedback',
      told: 'Thanks — noted. Changed to 👎 on this email.',
    });
    expect(await stored(g)).toEqual([{ user: 'U0ADA', value: 'down' }]);
    expect(await counted('down')).toBe(down0 + 1);

    // Shown in the person's history beside that email.
    const history = await h.slack.slashCommand({ user: 'U0ADA', text: 'history' });
    expect(await h.handled(history.triggerId)).toMatchObject({ outcome: 'history' });
    const shown = h.fake
      .ephemeralsFor('U0ADA')
      .filter((e) => e.via === 'response_url')
      .at(-1)?.text;
    expect(shown?.split('\n')[1]).toMatch(/\*Dr\. Ada Lovelace\* — ✅ ready 👎 — not sent — <https:/);
  });

  it('rates each version apart: version 2 has its own 👍, version 1 keeps its 👎', async () => {
    const { g, resultTs } = await finishedEmail('U0ADA', 'Charles Babbage');
    expect((await press(g, resultTs, 'negative')).outcome).toBe('feedback');
    const regenerate = await h.slack.clickButton({
      user: 'U0ADA',
      channel: g.channelId!,
      ts: resultTs,
      actionId: 'scribe_regenerate',
    });
    expect(await h.handled(regenerate.triggerId)).toMatchObject({ outcome: 'started' });
    const [child] = await h.children(g.id);
    const [childTs] = await h.succeed(child!);
    expect(await press(child!, childTs!, 'positive')).toEqual({
      outcome: 'feedback',
      told: 'Thanks — noted: 👍 on version 2.',
    });
    expect(await stored(g)).toEqual([{ user: 'U0ADA', value: 'down' }]);
    expect(await stored(child!)).toEqual([{ user: 'U0ADA', value: 'up' }]);

    const history = await h.slack.slashCommand({ user: 'U0ADA', text: 'history' });
    await h.handled(history.triggerId);
    const lines = h.fake
      .ephemeralsFor('U0ADA')
      .filter((e) => e.via === 'response_url')
      .at(-1)!
      .text.split('\n');
    expect(lines[1]).toContain('*Charles Babbage* (version 2) — ✅ ready 👍');
    expect(lines[2]).toContain('*Charles Babbage* — ✅ ready 👎');
  });

  it('is authorised as the other actions: someone else is refused, a workspace admin may rate', async () => {
    const { g, resultTs } = await finishedEmail('U0ADA', 'Grace Hopper');
    expect(await press(g, resultTs, 'positive', 'U0GRACE')).toEqual({
      outcome: 'not-allowed',
      told: 'Only <@U0ADA> or a workspace admin can rate it.',
    });
    expect(await stored(g)).toEqual([]);
    expect((await press(g, resultTs, 'negative', 'U0ADMIN')).outcome).toBe('feedback');
    expect(await press(g, resultTs, 'positive')).toMatchObject({ outcome: 'feedback' });
    expect(await stored(g)).toEqual([
      { user: 'U0ADA', value: 'up' },
      { user: 'U0ADMIN', value: 'down' },
    ]);
  });

  it('a forged value for another email is refused and stores nothing', async () => {
    const { g: other } = await finishedEmail('U0ADA', 'Alan Turing');
    const { g, resultTs } = await finishedEmail('U0ADA', 'Edsger Dijkstra');
    const click = await h.slack.clickButton({
      user: 'U0ADA',
      channel: g.channelId!,
      ts: resultTs,
      actionId: FEEDBACK_ACTION_ID,
      feedback: 'positive',
      value: `feedback_up:${other.id}`,
    });
    expect(await h.handled(click.triggerId)).toMatchObject({ outcome: 'wrong-message' });
    expect(await stored(other)).toEqual([]);
    expect(await stored(g)).toEqual([]);
  });
});
