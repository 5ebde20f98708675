/**
 * 👍 / 👎 on each version from Discord, end to end through discord.js and the fake Discord: the
 * result's feedback row (within Discord's five rows of five), a press stored per person and
 * version, the ephemeral thanks, `/scribe action:history` showing it, and `scribe_feedback_total`
 * counting it on /metrics.
 */
import { ButtonStyle, ComponentType } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPromMetrics, type PromMetrics } from '../../../src/http/metrics.ts';
import { getGeneration, type Generation } from '../../../src/db/generations.ts';
import { startHarness, type Harness } from './harness.ts';
import { allComponents } from '../../helpers/discord-v2.ts';

let h: Harness;
let prom: PromMetrics;

beforeAll(async () => {
  // The bot counts into the /metrics registry made on its database once both exist.
  h = await startHarness({ metrics: { feedback: (value, platform) => prom.metrics.feedback(value, platform) } });
  prom = await createPromMetrics({ db: h.db.pool });
});

afterAll(async () => {
  await h?.close();
});

async function finished(name: string): Promise<{ g: Generation; last: string; threadId: string }> {
  const { generation } = await h.draft({ name });
  const resultIds = await h.succeed(generation);
  return { g: generation, last: resultIds.at(-1)!, threadId: generation.threadId! };
}

/** Presses 👍 or 👎 on a result message; resolves with the outcome and what the presser was told. */
async function press(
  g: Generation,
  messageId: string,
  action: 'feedback_up' | 'feedback_down',
  user = h.fake.people.ada,
): Promise<{ outcome: string; told: string | undefined }> {
  const pressed = h.fake.pressButton(messageId, `scribe:${action}:${g.id}`, { user });
  const { outcome } = await h.handled(pressed.id);
  const told = h.fake
    .channelView(g.threadId!, user.id)
    .filter((m) => m.ephemeral)
    .at(-1)?.content;
  return { outcome, told };
}

async function stored(g: Generation): Promise<Array<{ user: string; value: string }>> {
  const { rows } = await h.db.pool.query<{ user: string; value: string }>(
    `SELECT u.platform_user_id AS user, f.value FROM feedback f JOIN users u ON u.id = f.user_id
     WHERE f.generation_id = $1 ORDER BY f.created_at`,
    [g.id],
  );
  return rows;
}

async function counted(value: 'up' | 'down'): Promise<number> {
  const line = (await prom.text())
    .split('\n')
    .find((l) => l.startsWith(`scribe_feedback_total{value="${value}",platform="discord"}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

/** The person's `/scribe action:history` embed text. */
async function history(): Promise<string> {
  const command = h.fake.slashCommand({ options: { action: 'history' } });
  await h.handled(command.id);
  const record = h.fake.interactions.get(command.id)!;
  return h.fake.message(record.originalMessageId!).embeds[0]?.description ?? '';
}

describe('Discord feedback on each version', () => {
  it('shows 👍 and 👎 in a row of their own under the result’s buttons', async () => {
    const { g, last } = await finished('Dr. Ada Lovelace');
    const rows = allComponents(h.fake.message(last).components).filter(
      (c) => c.type === ComponentType.ActionRow,
    ) as Array<{
      type: number;
      components: Array<Record<string, unknown>>;
    }>;
    expect(rows.length).toBeLessThanOrEqual(5);
    for (const row of rows) expect(row.components.length).toBeLessThanOrEqual(5);
    // After the versions' and Mark as sent's rows; the Open in Gmail / Outlook row may follow.
    expect(rows.find((r) => r.components.some((c) => String(c.custom_id).startsWith('scribe:feedback_')))).toEqual({
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          emoji: { name: '👍' },
          custom_id: `scribe:feedback_up:${g.id}`,
        },
        {
          type: ComponentType.Button,
          style: ButtonStyle.Secondary,
          emoji: { name: '👎' },
          custom_id: `scribe:feedback_down:${g.id}`,
        },
      ],
    });
    expect(rows.at(0)?.components.map((b) => b.label)).toContain('Regenerate');
  });

  it('stores a press once per person and version, changes it with the other button, thanks privately, counts it', async () => {
    const { g, last, threadId } = await finished('Grace Hopper');
    const [up0, down0] = [await counted('up'), await counted('down')];

    expect(await press(g, last, 'feedback_up')).toEqual({
      outcome: 'feedback',
      told: 'Thanks — noted: 👍 on this email.',
    });
    expect(await stored(g)).toEqual([{ user: h.fake.people.ada.id, value: 'up' }]);
    expect(await counted('up')).toBe(up0 + 1);
    expect(h.fake.channelView(threadId).some((m) => m.ephemeral)).toBe(false); // the thanks is Ada's only

    expect(await press(g, last, 'feedback_up')).toEqual({
      outcome: 'feedback',
      told: 'Already noted: 👍 on this email. Thanks!',
    });
    expect(await counted('up')).toBe(up0 + 1);

    expect(await press(g, last, 'feedback_down')).toEqual({
      outcome: 'feedback',
      told: 'Thanks — noted. Changed to 👎 on this email.',
    });
    expect(await stored(g)).toEqual([{ user: h.fake.people.ada.id, value: 'down' }]);
    expect(await counted('down')).toBe(down0 + 1);

    expect((await history()).split('\n')[0]).toMatch(/\*\*Grace Hopper\*\* — ✅ ready 👎 — not sent — \[open\]/);
  });

  it('rates each version apart: version 2 has its own 👍, version 1 keeps its 👎', async () => {
    const { g, last } = await finished('Charles Babbage');
    expect((await press(g, last, 'feedback_down')).outcome).toBe('feedback');
    const regenerate = h.fake.pressButton(last, `scribe:regenerate:${g.id}`);
    expect(await h.handled(regenerate.id)).toMatchObject({ outcome: 'started' });
    const { rows } = await h.db.pool.query<{ id: string }>('SELECT id FROM generations WHERE parent_id = $1', [g.id]);
    const child = (await getGeneration(h.db.pool, rows[0]!.id))!;
    const childLast = (await h.succeed(child)).at(-1)!;
    expect(await press(child, childLast, 'feedback_up')).toEqual({
      outcome: 'feedback',
      told: 'Thanks — noted: 👍 on version 2.',
    });
    expect(await stored(g)).toEqual([{ user: h.fake.people.ada.id, value: 'down' }]);
    expect(await stored(child)).toEqual([{ user: h.fake.people.ada.id, value: 'up' }]);
    const lines = (await history()).split('\n');
    expect(lines[0]).toContain('**Charles Babbage** (version 2) — ✅ ready 👍');
    expect(lines[1]).toContain('**Charles Babbage** — ✅ ready 👎');
  });

  it('is authorised as the other actions: someone else is refused, a member with Manage Messages may rate', async () => {
    const { g, last } = await finished('Alan Turing');
    expect(await press(g, last, 'feedback_up', h.fake.people.grace)).toEqual({
      outcome: 'not-allowed',
      told: `Only <@${h.fake.people.ada.id}> or a member with Manage Messages can rate it.`,
    });
    expect(await stored(g)).toEqual([]);
    expect((await press(g, last, 'feedback_down', h.fake.people.mod)).outcome).toBe('feedback');
    expect(await stored(g)).toEqual([{ user: h.fake.people.mod.id, value: 'down' }]);
  });
});
