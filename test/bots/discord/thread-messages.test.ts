/**
 * Every other message Scribe posts in a Discord thread is Components V2 too (issue 23): the
 * research review, "Which …?", failure replies (with Retry), follow-up reminders, the batch table
 * (posted, then edited by the worker) and a line said to one person. Each is sent over REST to the
 * fake Discord, which refuses what Discord refuses (content or embeds with the flag, more than 40
 * components or 4,000 characters, an edit that drops the flag): a message it took is within limits.
 * The tests read each message as a person sees it (test/helpers/discord-v2.ts).
 */
import { randomUUID } from 'node:crypto';
import { MessageFlags, Routes, type REST, type RESTPostAPIChannelMessageResult } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batchHeader, renderBatch } from '../../../src/bots/discord/batch-render.ts';
import { createDiscordBatchReporter } from '../../../src/bots/discord/batch-reporter.ts';
import { createDiscordRest } from '../../../src/bots/discord/client.ts';
import { renderTell } from '../../../src/bots/discord/render.ts';
import { createDiscordReporter } from '../../../src/bots/discord/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import { batchViewOf, initialBatchView } from '../../../src/thread/batch-view.ts';
import type { ReviewView, ThreadAddress } from '../../../src/thread/reporter.ts';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord/index.ts';
import { IS_COMPONENTS_V2, Limits } from '../../fakes/discord/validate.ts';
import { allComponents, batchOf, buttonsIn, containerTexts, textDisplays, titleOf } from '../../helpers/discord-v2.ts';

let fake: FakeDiscord;
let rest: REST;
let reporter: ReturnType<typeof createDiscordReporter>;

beforeAll(async () => {
  fake = await startFakeDiscord();
  rest = createDiscordRest({ token: fake.token, apiUrl: fake.apiUrl });
  reporter = createDiscordReporter({ rest, logger: silentLogger() });
});

afterAll(async () => {
  await fake?.close();
});

/** A thread started on a message in #general, as the bot makes them; `thread: false`: none. */
async function place(options: { thread?: boolean; progress?: boolean } = {}): Promise<ThreadAddress> {
  const starter = (await rest.post(Routes.channelMessages(fake.channelId), {
    body: { flags: IS_COMPONENTS_V2, components: [{ type: 10, content: 'Requested by <@1>' }] },
  })) as RESTPostAPIChannelMessageResult;
  const threadId =
    (options.thread ?? true)
      ? (
          (await rest.post(Routes.threads(fake.channelId, starter.id), { body: { name: 'Email to Ada' } })) as {
            id: string;
          }
        ).id
      : null;
  return {
    generationId: randomUUID(),
    platform: 'discord',
    teamId: fake.guildId,
    channelId: fake.channelId,
    threadId,
    progressMessageId: (options.progress ?? true) ? starter.id : null,
  };
}

/** Each message as sent: Components V2, no content, no embeds, within the limits. */
function expectV2(messageId: string): void {
  const message = fake.message(messageId);
  expect(message.flags! & MessageFlags.IsComponentsV2).toBeTruthy();
  expect(message.content).toBe('');
  expect(message.embeds).toEqual([]);
  expect(allComponents(message.components).length).toBeLessThanOrEqual(Limits.v2Components);
  expect(textDisplays(message).join('').length).toBeLessThanOrEqual(Limits.v2Text);
}

const review = (extra: Partial<ReviewView> = {}): ReviewView => ({
  recipientName: 'Dr. Ada Lovelace',
  version: 1,
  summary: 'Ada works on analytical engines [1] and wrote *Notes* on them [2].',
  sources: [{ n: 1, url: 'https://uni.example/ada', title: 'Ada at Uni' }],
  papers: [{ id: '2401.00001', title: 'Looms that compute', year: 2024, url: 'https://arxiv.org/abs/2401.00001' }],
  ...extra,
});

describe('Discord thread messages as Components V2', () => {
  it('posts the research review as one container: title, summary escaped, sources, Write the email and Edit research', async () => {
    const address = await place();
    const { messageIds } = await reporter.review!(address, review({ editedBy: '42', version: 2 }));
    expect(messageIds).toHaveLength(1);
    expectV2(messageIds[0]!);
    const message = fake.message(messageIds[0]!);
    expect(message.channel_id).toBe(address.threadId);
    expect(titleOf(message)).toBe('🔎 Research on Dr. Ada Lovelace (version 2): review it first');
    const shown = containerTexts(message).join('\n');
    expect(shown).toContain('✏️ Edited by <@42>');
    expect(shown).toContain('Ada works on analytical engines \\[1\\] and wrote \\*Notes\\* on them \\[2\\].');
    expect(shown).toContain('[Ada at Uni](https://uni.example/ada)');
    expect(shown).toContain('[Looms that compute](https://arxiv.org/abs/2401.00001) (2024)');
    expect(buttonsIn(message).map((b) => b.custom_id)).toEqual([
      `scribe:write:${address.generationId}`,
      `scribe:research:${address.generationId}`,
    ]);
  });

  it('splits a long review at sentence boundaries, losing nothing, the buttons on the last message only', async () => {
    const address = await place();
    const sentences = Array.from({ length: 120 }, (_, i) => `Sentence ${i} says what Ada did in year ${1830 + i}.`);
    const sources = Array.from({ length: 30 }, (_, i) => ({
      n: i + 1,
      url: `https://uni.example/${'page/'.repeat(20)}${i}`,
      title: `Source number ${i} about Ada`,
    }));
    const { messageIds } = await reporter.review!(address, review({ summary: sentences.join(' '), sources }));
    expect(messageIds.length).toBeGreaterThan(1);
    for (const id of messageIds) expectV2(id);
    const messages = messageIds.map((id) => fake.message(id));
    const shown = messages.flatMap((m) => containerTexts(m)).join(' ');
    for (const s of sentences) expect(shown).toContain(s);
    for (const s of sources) expect(shown).toContain(s.title);
    expect(messages.map((m) => buttonsIn(m).length)).toEqual([...messageIds.slice(1).map(() => 0), 2]);
  });

  it('asks "Which …?" in a container with a numbered line and a button per candidate', async () => {
    const address = await place();
    const { messageIds } = await reporter.askIdentity!(address, {
      recipientName: 'Jun Li',
      version: 1,
      question: 'Which Jun Li?',
      options: [
        { option: '1', label: 'MIT · Machine learning · “Sparse attention” (2025)', institution: 'MIT' },
        { option: '2', label: 'Tsinghua University · Catalysis', institution: 'Tsinghua University' },
      ],
      none: { option: 'none', label: 'None of these' },
    });
    expectV2(messageIds[0]!);
    const message = fake.message(messageIds[0]!);
    expect(titleOf(message)).toBe('❓ Which Jun Li?');
    expect(containerTexts(message)[1]).toContain('**1.** MIT · Machine learning · “Sparse attention” (2025)');
    expect(buttonsIn(message).map((b) => b.label)).toEqual(['1 · MIT', '2 · Tsinghua University', 'None of these']);
    expect(buttonsIn(message)[0]!.custom_id).toBe(`scribe:choose:${address.generationId}:1`);
  });

  it('says a batch row’s passing failure with Retry in its container, and a final one without', async () => {
    const row = await place({ progress: false });
    await reporter.failed(row, { message: 'Claude is overloaded', retryable: true, tries: 1 });
    const withRetry = fake.channelView(row.threadId!).at(-1)!;
    expectV2(withRetry.id);
    expect(withRetry.text).toMatch(/^❌ Claude is overloaded/);
    expect(withRetry.text).toContain('Press Retry');
    expect(buttonsIn(withRetry).map((b) => b.custom_id)).toEqual([`scribe:retry:${row.generationId}`]);

    const single = await place({ thread: false });
    await reporter.failed(single, { message: 'Something broke.', retryable: false, tries: 1 });
    const reply = fake.channelView(fake.channelId).at(-1)!;
    expectV2(reply.id);
    expect(reply.text).toBe('❌ Something broke.');
    expect(buttonsIn(reply)).toEqual([]);
    expect(fake.message(reply.id).message_reference?.message_id).toBe(single.progressMessageId);
  });

  it('posts a follow-up reminder: the heading, then the draft quoted', async () => {
    const address = await place();
    await reporter.followUp!(address, {
      kind: 'draft',
      recipientName: 'Ada Lovelace',
      sentAt: new Date('2026-11-01T10:00:00Z'),
      body: 'Dear Ada,\nI am following up on my note about *looms*.',
    });
    const posted = fake.channelView(address.threadId!).at(-1)!;
    expectV2(posted.id);
    const [heading, draft] = containerTexts(posted);
    expect(heading).toContain('No reply from Ada Lovelace since');
    expect(draft).toBe('> Dear Ada,\n> I am following up on my note about \\*looms\\*.');
  });

  it('says a line to one person in a container, pinging only them', async () => {
    const address = await place();
    const body = renderTell('77', 'You have used all 3 emails for today.');
    const { id } = (await rest.post(Routes.channelMessages(address.threadId!), { body })) as { id: string };
    expectV2(id);
    expect(fake.channelView(address.threadId!).at(-1)!.text).toBe('<@77> You have used all 3 emails for today.');
    expect(body.allowed_mentions).toEqual({ users: ['77'] });
  });

  it('posts the batch table as V2 and edits it in place, keeping who asked and the flag', async () => {
    const batchId = randomUUID();
    const names = ['Ada Lovelace', 'Charles Babbage'];
    const posted = (await rest.post(Routes.channelMessages(fake.channelId), {
      body: renderBatch(initialBatchView(batchId, names), batchHeader('5')),
    })) as RESTPostAPIChannelMessageResult;
    expectV2(posted.id);
    expect(batchOf(fake.message(posted.id))).toMatchObject({ header: 'Batch requested by <@5>' });
    expect(buttonsIn(fake.message(posted.id)).map((b) => b.custom_id)).toEqual([`scribe:batch-cancel:${batchId}`]);

    const done = batchViewOf(
      { id: batchId, cancelledAt: null },
      names.map((recipientName, i) => ({
        generationId: `g${i}`,
        recipientName,
        status: 'succeeded' as const,
        startedAt: new Date(0),
        finishedAt: new Date(2_000),
        error: null,
      })),
    );
    const batches = createDiscordBatchReporter({ rest, logger: silentLogger() });
    const address = { id: batchId, platform: 'discord' as const, teamId: fake.guildId, threadId: null };
    await batches.batchProgress({ ...address, channelId: fake.channelId, parentMessageId: posted.id }, done);
    expectV2(posted.id);
    const table = batchOf(fake.message(posted.id));
    expect(table).toMatchObject({ header: 'Batch requested by <@5>', title: '2 emails: 2 ✅' });
    expect(table.table).toContain('✅ Ada Lovelace — 2.0 s');
    expect(buttonsIn(fake.message(posted.id))).toEqual([]);
    expect(fake.revisions(posted.id)).toHaveLength(2);
  });

  it('upgrades a batch table posted with embeds before the switch: content and embeds emptied, who asked kept', async () => {
    const batchId = randomUUID();
    const legacy = (await rest.post(Routes.channelMessages(fake.channelId), {
      body: { content: 'Batch requested by <@5>', embeds: [{ title: 'Drafting 1 email — 0 of 1 done' }] },
    })) as RESTPostAPIChannelMessageResult;
    const batches = createDiscordBatchReporter({ rest, logger: silentLogger() });
    await batches.batchProgress(
      {
        id: batchId,
        platform: 'discord',
        teamId: fake.guildId,
        threadId: null,
        channelId: fake.channelId,
        parentMessageId: legacy.id,
      },
      initialBatchView(batchId, ['Ada Lovelace']),
    );
    expectV2(legacy.id);
    expect(batchOf(fake.message(legacy.id))).toMatchObject({
      header: 'Batch requested by <@5>',
      title: 'Drafting 1 email — 0 of 1 done',
    });
  });
});
