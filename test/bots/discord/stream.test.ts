/**
 * The email streamed into Discord's progress message (issue 23): the reporter edits the progress
 * container to show the email so far, at most one edit per 1.5 s, the last text shown before the
 * result, the tail when it is longer than a message holds. Against the fake Discord, which records
 * every revision of the message and refuses what breaks Discord's limits.
 */
import { randomUUID } from 'node:crypto';
import { MessageFlags, Routes, type REST, type RESTPostAPIChannelMessageResult } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordRest } from '../../../src/bots/discord/client.ts';
import { renderProgress } from '../../../src/bots/discord/render.ts';
import { createDiscordReporter, EMAIL_STREAM_INTERVAL_MS } from '../../../src/bots/discord/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import { initialProgress } from '../../../src/thread/progress.ts';
import type { ProgressView, ThreadAddress } from '../../../src/thread/reporter.ts';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord/index.ts';
import { containerTexts } from '../../helpers/discord-v2.ts';
import { resultView } from '../../helpers/result-view.ts';

let fake: FakeDiscord;
let rest: REST;

beforeAll(async () => {
  fake = await startFakeDiscord();
  rest = createDiscordRest({ token: fake.token, apiUrl: fake.apiUrl });
});

afterAll(async () => {
  await fake?.close();
});

async function conversation(): Promise<ThreadAddress> {
  const message = (await rest.post(Routes.channelMessages(fake.channelId), {
    body: renderProgress(initialProgress('Dr. Ada Lovelace', 1), undefined, 'Requested by <@1>'),
  })) as RESTPostAPIChannelMessageResult;
  const threadId = (
    (await rest.post(Routes.threads(fake.channelId, message.id), { body: { name: 'Email to Ada' } })) as { id: string }
  ).id;
  return {
    generationId: randomUUID(),
    platform: 'discord',
    teamId: fake.guildId,
    channelId: fake.channelId,
    threadId,
    progressMessageId: message.id,
  };
}

function composing(): ProgressView {
  const view = initialProgress('Dr. Ada Lovelace', 1);
  return { ...view, status: 'running', steps: { ...view.steps, compose: { state: 'running', warnings: [] } } };
}

/** The streamed email a revision of the progress message shows (after title and steps), if any. */
const streamedIn = (revision: Parameters<typeof containerTexts>[0]) => containerTexts(revision)[2];

/** Feeds `email` word by word, as the composer does, over about `ms`. */
async function write(
  reporter: ReturnType<typeof createDiscordReporter>,
  address: ThreadAddress,
  email: string,
  ms: number,
) {
  const words = email.split(/(?<= )/);
  const started = Date.now();
  for (let i = 1; i <= words.length; i++) {
    await reporter.emailText!(address, words.slice(0, i).join(''));
    const due = started + (ms * i) / words.length - Date.now();
    if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
  }
}

describe('Discord: the email streamed into the progress message', () => {
  it('shows the email as it is written, at most one edit per 1.5 s, the whole of it before the result', async () => {
    const reporter = createDiscordReporter({ rest, logger: silentLogger() });
    const address = await conversation();
    await reporter.progress(address, composing());
    const email = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    await write(reporter, address, email, 4_000);
    await reporter.result(address, resultView(email), { existingMessageIds: [], maybePosted: false });

    const revisions = fake.revisions(address.progressMessageId!).slice(1);
    const streamed = revisions.filter((r) => streamedIn(r) !== undefined);
    expect(streamed.length).toBeGreaterThanOrEqual(2);
    for (const r of revisions) expect(r.flags! & MessageFlags.IsComponentsV2).toBeTruthy();
    for (const r of streamed) expect(email.startsWith(streamedIn(r)!)).toBe(true);
    // The last text shown before the result is the email.
    expect(streamedIn(streamed.at(-1)!)).toBe(email);
    // Edits at least 1.5 s apart (the final one, sent as the result comes, excepted).
    const times = revisions.map((r) => Date.parse(r.edited_timestamp!));
    for (let i = 1; i < times.length - 1; i++)
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(EMAIL_STREAM_INTERVAL_MS - 50);
    expect(revisions.length).toBeLessThanOrEqual(Math.ceil(4_000 / EMAIL_STREAM_INTERVAL_MS) + 2);
  }, 20_000);

  it('shows the tail of an email longer than the message holds, within Discord’s limits', async () => {
    const reporter = createDiscordReporter({ rest, logger: silentLogger(), streamIntervalMs: 100 });
    const address = await conversation();
    await reporter.progress(address, composing());
    const email = Array.from({ length: 1_500 }, (_, i) => `w${i}`).join(' ');
    await reporter.emailText!(address, email);
    await reporter.result(address, resultView(email), { existingMessageIds: [], maybePosted: false });
    const shown = streamedIn(fake.revisions(address.progressMessageId!).at(-1)!)!;
    expect(shown.startsWith('…')).toBe(true);
    expect(email.endsWith(shown.slice(1))).toBe(true);
    expect(shown.length).toBeGreaterThan(2_000);
  });

  it('shows nothing once the progress is settled', async () => {
    const reporter = createDiscordReporter({ rest, logger: silentLogger() });
    const address = await conversation();
    await reporter.progress(address, { ...composing(), status: 'succeeded' });
    const before = fake.revisions(address.progressMessageId!).length;
    await reporter.emailText!(address, 'Dear Ada,');
    await reporter.result(address, resultView('Dear Ada,'), { existingMessageIds: [], maybePosted: false });
    expect(fake.revisions(address.progressMessageId!)).toHaveLength(before);
  });
});
