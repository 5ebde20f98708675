/**
 * The streamed email (issue 23 items 1–2): the writer's answer is streamed from Anthropic (the real
 * SDK against the fake, which sends server-sent events), the email is assembled as each fill
 * closes, and the Slack reporter appends the new text to the plan's stream, which then becomes the
 * result; what was streamed equals the email.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackClient } from '../../../src/bots/slack/client.ts';
import { createSlackReporter } from '../../../src/bots/slack/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../../src/pipeline/clients/index.ts';
import { runPipeline } from '../../../src/pipeline/runner.ts';
import { applyProgressEvent, initialProgress } from '../../../src/thread/progress.ts';
import type { ProgressView, ThreadAddress } from '../../../src/thread/reporter.ts';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/index.ts';
import { resultView } from '../../helpers/result-view.ts';
import { RECIPIENT, TEMPLATE, startServices, type Services } from '../../helpers/services.ts';

const CHANNEL = 'C0GENERAL';
const logger = silentLogger();

let fake: FakeSlack;
let services: Services;
let clients: PipelineClients;

beforeAll(async () => {
  [fake, services] = await Promise.all([startFakeSlack(), startServices()]);
  clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
});
afterAll(async () => {
  await clients?.close();
  await services?.close();
  await fake?.close();
});

function conversation(): ThreadAddress {
  const { ts } = fake.state.post({
    channel: CHANNEL,
    user: fake.state.bot.userId,
    botId: fake.state.bot.botId,
    text: 'Drafting an email to Ada Lovelace',
  });
  return {
    generationId: randomUUID(),
    platform: 'slack',
    teamId: fake.state.team.id,
    channelId: CHANNEL,
    threadId: ts,
    progressMessageId: ts,
    requesterId: 'U0ADA',
  };
}

/** A run as the worker reports it: progress and streamed text delivered one after another, in order. */
async function runWithPlan(address: ThreadAddress) {
  const client = createSlackClient(
    { botToken: fake.botToken, apiUrl: fake.apiUrl },
    { logger, retryConfig: { retries: 0 } },
  );
  const reporter = createSlackReporter({ client, logger, plan: true });
  let view: ProgressView = { ...initialProgress(RECIPIENT.recipientName, 1), status: 'running' };
  let chain: Promise<void> = reporter.progress(address, view);
  const texts: string[] = [];
  const finished = await runPipeline(
    { input: { template: TEMPLATE, ...RECIPIENT }, steps: {} },
    {
      ...clients,
      models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
      researchCacheTtlMs: 0,
      retry: { baseMs: 5, maxMs: 10 },
      logger,
    },
    {
      logger,
      onProgress: (event) => {
        view = applyProgressEvent(view, event);
        const snapshot = view;
        chain = chain.then(() => reporter.progress(address, snapshot));
      },
      onEmailText: (text) => {
        texts.push(text);
        chain = chain.then(() => reporter.emailText!(address, text));
      },
    },
  );
  await chain;
  const compose = finished.steps.compose!.output!;
  await reporter.result(address, resultView(compose.email), { existingMessageIds: [], maybePosted: false });
  await reporter.progress(address, { ...view, status: 'succeeded' });
  return { email: compose.email, texts };
}

describe('Slack: the email streamed as the writer writes it', () => {
  it('appends the email fill by fill to the plan, and what was streamed equals the result', async () => {
    // The model writes a few characters at a time, as it would.
    services.anthropic.streamPace.chars = 6;
    services.anthropic.streamPace.delayMs = 2;
    const address = conversation();
    const { email, texts } = await runWithPlan(address);

    // The writer was asked to stream; the other questions were not.
    const wire = services.anthropic.wireCalls();
    expect(wire.filter((c) => c.stream === true).length).toBeGreaterThanOrEqual(1);

    const message = fake.state.list(CHANNEL, address.threadId!).find((m) => m.stream !== undefined)!;
    const appends = message.stream!.appends.map((a) => a.text);
    // Progressively: the fixed text before the first slot, then each fill with what follows it.
    expect(appends.length).toBeGreaterThanOrEqual(2);
    expect(appends[0]).toBe('Dear Dr. ');
    for (const [i, text] of texts.entries()) if (i > 0) expect(text.startsWith(texts[i - 1]!)).toBe(true);
    // What the person saw streamed is exactly the email of the result, which the plan became: the
    // appends (with any rest written in at the stop) join to it, and no reply repeats it.
    const stop = fake.callsTo('chat.stopStream').find((c) => c.args.ts === message.ts);
    expect(message.text).toBe(email);
    expect(appends.join('')).toBe(email);
    expect(texts.at(-1)! + String(stop?.args.markdown_text ?? '')).toBe(email);
    expect(message.stream!.state).toBe('stopped');
    const thread = fake.messagesIn(CHANNEL, address.threadId!);
    expect(thread.at(-1)).toMatchObject({ ts: message.ts, markdown: email });
    expect(thread.at(-1)?.metadata?.event_type).toBe('scribe_result');
    expect(thread.filter((m) => m.metadata?.event_type === 'scribe_result')).toHaveLength(1);
  });
});
