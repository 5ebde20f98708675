/**
 * An email longer than a Discord form holds (4,000 characters: a long template plus its fills,
 * issue 21) keeps working: posted whole, Edit answers privately that it cannot open a form and
 * points to Copy, and 🔁 still makes a new version.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';
import { emailParts } from '../../../src/bots/discord/render.ts';
import { joinPieces } from '../../../src/bots/split.ts';
import { emailPieceOf } from '../../helpers/discord-v2.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const PARAGRAPHS = Array.from(
  { length: 50 },
  (_, i) => `Paragraph ${i + 1} of a long template, kept as written with the recipient's fills around it.`,
);

it('an email longer than the form: posted whole, Edit says to use Copy, 🔁 still works', async () => {
  const { generation } = await h.draft();
  const email = `Dear Dr. Ada Lovelace,\n\n${PARAGRAPHS.join('\n\n')}\n\nBest regards,\nGrace`;
  expect(email.length).toBeGreaterThan(4_000);
  const resultIds = await h.succeed(generation, email);

  // Posted in full: every paragraph is in the thread's messages, none cut.
  const shown = h.fake
    .channelView(generation.threadId!)
    .filter((m) => resultIds.includes(m.id))
    .map((m) => emailPieceOf(m))
    .join('\n');
  for (const p of PARAGRAPHS) expect(shown).toContain(p);

  // 📋 Copy: the bare email, exactly, as the content of private replies (Copy Text copies content;
  // the V2 result has none), split at the same clean boundaries.
  const copy = h.fake.pressButton(resultIds.at(-1)!, `scribe:copy:${generation.id}`);
  expect((await h.handled(copy.id)).outcome).toBe('copy');
  const copied = h.fake
    .channelView(generation.threadId!, h.fake.people.ada.id)
    .filter((m) => m.ephemeral)
    .map((m) => m.content);
  expect(copied.length).toBeGreaterThan(1);
  for (const piece of copied) expect(piece.length).toBeLessThanOrEqual(2_000);
  expect(joinPieces(emailParts(email).map((p, i) => ({ ...p, text: copied[i]! })))).toBe(email);

  const last = resultIds.at(-1)!;
  const press = h.fake.pressButton(last, `scribe:edit:${generation.id}`);
  expect((await h.handled(press.id)).outcome).toBe('too-long');
  const answer = await h.fake.nextCallback(press.id);
  // Not a form (type 9): a private message with the figures and what to do instead.
  expect(answer.type).toBe(4);
  const data = answer.data as { content?: string; flags?: number };
  expect(data.flags).toBe(64);
  expect(data.content).toBe(
    `This email is ${email.length.toLocaleString('en-US')} characters; a form here holds 4,000, so it can't be edited in a form. Use Copy to take it as plain text and edit it in your mail client.`,
  );

  h.fake.react(resultIds[0]!, '🔁');
  expect((await h.handled(`${resultIds[0]}:${h.fake.people.ada.id}:🔁`)).outcome).toBe('started');
});
