/** The batch table within every platform's limits: pure, no network. */
import { describe, expect, it } from 'vitest';
import type { BatchRow } from '../../src/db/batches.ts';
import { batchTableLines, batchTitle, batchViewOf, canCancelBatch } from '../../src/thread/batch-view.ts';
import { renderBatch as renderSlack } from '../../src/bots/slack/batch-render.ts';
import { batchHeader, renderBatch as renderDiscord } from '../../src/bots/discord/batch-render.ts';
import { DISCORD_LIMITS } from '../../src/bots/discord/render.ts';
import { validateMessage } from '../fakes/discord/validate.ts';
import { buttonsIn, textDisplays } from '../helpers/discord-v2.ts';
import { SLACK_MAX_BLOCKS, SLACK_SECTION_LIMIT } from '../../src/bots/slack/render.ts';

const t0 = new Date('2026-01-01T00:00:00Z');
const at = (s: number) => new Date(t0.getTime() + s * 1000);

function rows(n: number, nameLength = 20): BatchRow[] {
  return Array.from({ length: n }, (_, i) => ({
    generationId: `g${i}`,
    recipientName: `${'N'.repeat(nameLength - String(i).length)}${i}`,
    status: i % 10 === 9 ? 'failed' : i % 7 === 6 ? 'queued' : i % 5 === 4 ? 'running' : 'succeeded',
    startedAt: i % 7 === 6 ? null : at(i),
    finishedAt: i % 7 === 6 || i % 5 === 4 ? null : at(i + 9.6),
    error: null,
  }));
}

describe('batch table', () => {
  it('counts a row waiting for "Which …?" in the tally, and keeps Cancel batch for it', () => {
    const [done, waiting] = rows(2);
    const view = batchViewOf(
      { id: 'b', cancelledAt: null },
      [done!, { ...waiting!, status: 'awaiting_identity', finishedAt: null }],
      at(100),
    );
    expect(batchTitle(view)).toBe('2 emails: 1 ✅ 1 ❓');
    expect(batchTableLines(view, { maxChars: 3_000 })[1]).toMatch(/^❓ /);
    expect(canCancelBatch(view)).toBe(true);
    expect(JSON.stringify(renderSlack(view))).toContain('scribe_batch_cancel');
    expect(canCancelBatch({ ...view, cancelled: true })).toBe(false);
    expect(canCancelBatch(batchViewOf({ id: 'b', cancelledAt: null }, [done!], at(100)))).toBe(false);
  });

  it('lists every row with its status emoji and seconds when it fits', () => {
    const view = batchViewOf({ id: 'b', cancelledAt: null }, rows(3), at(100));
    expect(batchTableLines(view, { maxChars: 3_000 })).toEqual([
      '✅ NNNNNNNNNNNNNNNNNNN0 — 9.6 s',
      '✅ NNNNNNNNNNNNNNNNNNN1 — 9.6 s',
      '✅ NNNNNNNNNNNNNNNNNNN2 — 9.6 s',
    ]);
    expect(batchTitle(view)).toBe('3 emails: 3 ✅');
  });

  it('summarises the rows that do not fit, with their states', () => {
    const view = batchViewOf({ id: 'b', cancelledAt: null }, rows(50), at(100));
    const lines = batchTableLines(view, { maxChars: 600 });
    expect(lines.join('\n').length).toBeLessThanOrEqual(600);
    const summary = lines.at(-1)!;
    const shown = lines.length - 1;
    expect(summary).toMatch(new RegExp(`^…and ${50 - shown} more: `));
    // The summary's counts and the rows shown add up to the batch.
    const counted = [...summary.matchAll(/(\d+) /g)].slice(1).reduce((n, m) => n + Number(m[1]), 0);
    expect(counted).toBe(50 - shown);
  });

  it('never breaks Slack’s or Discord’s limits, even with 50 rows of 200-character names', () => {
    const view = batchViewOf({ id: '7b0c3a52-6c1e-4a63-9a51-0c3d3b3c8a11', cancelledAt: null }, rows(50, 200), at(100));
    const slack = renderSlack(view);
    expect(slack.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
    for (const block of slack.blocks) {
      const text = (block.text as { text?: string } | undefined)?.text ?? '';
      expect(text.length).toBeLessThanOrEqual(SLACK_SECTION_LIMIT);
    }
    expect(JSON.stringify(slack.blocks)).toContain('…and');
    // Discord: a Components V2 message within 4,000 characters and 40 components, as the fake checks.
    const discord = renderDiscord(view, batchHeader('123'));
    expect(validateMessage(discord, false)).toBeNull();
    expect(textDisplays(discord).join('').length).toBeLessThanOrEqual(DISCORD_LIMITS.v2Text);
    // Cancel batch while rows wait; its custom id within Discord's 100.
    const [button] = buttonsIn(discord);
    expect(button?.custom_id?.length).toBeLessThanOrEqual(100);
  });

  it('drops Cancel batch once nothing waits', () => {
    const done = batchViewOf({ id: 'b', cancelledAt: null }, rows(3), at(100));
    expect(renderSlack(done).blocks.some((b) => b.type === 'actions')).toBe(false);
    expect(buttonsIn(renderDiscord(done, undefined))).toEqual([]);
  });
});
