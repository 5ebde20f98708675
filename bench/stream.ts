/**
 * The streamed email (issue 23 item 2): from a Slack form's submission to the first words of the
 * email appended to the thread's plan stream, and to the finished email (the result message),
 * measured against `scribe start` as users run it, every service faked with the seed latencies.
 * The writer's seed (3.1 s) is split into a time to first token and a writing pace. The first text
 * is also measured from the research finishing (the `step.saved` log line of the research step);
 * target: within 1.5 s of it.
 */
import { startFakeSlack } from '../test/fakes/slack/index.ts';
import { createTestDatabase } from '../test/helpers/db-standalone.ts';
import { freePort, spawnScribe } from '../test/helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, startServices } from '../test/helpers/services.ts';
import { SEED_MS } from './pipeline.ts';
import { report, stats } from './report.ts';
import { scribeStartEnv } from './scribe-start.ts';

/** The writer's time to its first token, and its pace after (≈ 65 tokens/s at 4 characters a token). */
const WRITER = { firstTokenMs: 700, chars: 4, delayMs: 15 } as const;
const RUNS = 3;
const CHANNEL = 'C0GENERAL';

export async function benchStream(databaseUrl: string): Promise<void> {
  const [slack, services, port] = await Promise.all([startFakeSlack(), startServices(), freePort()]);
  const db = await createTestDatabase(databaseUrl);
  services.anthropic.latencyFor.parsed_template = SEED_MS.parse;
  services.anthropic.latencyFor.email = WRITER.firstTokenMs;
  services.anthropic.streamPace.chars = WRITER.chars;
  services.anthropic.streamPace.delayMs = WRITER.delayMs;
  services.exa.latencyMs = SEED_MS.research;
  services.arxiv.latencyMs = SEED_MS.arxiv;
  const scribe = spawnScribe(
    ['start'],
    scribeStartEnv({ servicesEnv: services.env, databaseUrl: db.url, port, slack }),
  );
  try {
    await scribe.waitForLog((l) => l.msg === 'scribe is running' || l.level >= 50, 60_000);
    const driver = slack.httpDriver({ url: `http://127.0.0.1:${port}/slack/events` });
    const fromSubmission = { first: [] as number[], done: [] as number[] };
    const fromResearch = { first: [] as number[], done: [] as number[] };
    let streamedChars = 0;
    for (let run = 0; run < RUNS; run++) {
      const user = `U0STREAM${run}`;
      await driver.slashCommand({ user, channel: CHANNEL, text: '' });
      await slack.until(() => slack.views(user)[0], 'the modal');
      const submitted = Date.now();
      await driver.submitView({
        user,
        values: {
          template: TEMPLATE,
          recipient_name: `${RECIPIENT.recipientName} ${run}`,
          recipient_interest: RECIPIENT.recipientInterest,
        },
      });
      const progress = await slack.until(
        () =>
          slack
            .messagesIn(CHANNEL)
            .find(
              (m) => m.fromBot && m.threadTs === undefined && m.visible.includes(`${RECIPIENT.recipientName} ${run}`),
            ),
        'the progress message',
        30_000,
      );
      const result = await slack.until(
        () => slack.state.list(CHANNEL, progress.ts).find((m) => m.metadata?.event_type === 'scribe_result'),
        'the result',
        60_000,
      );
      const plan = slack.state.list(CHANNEL, progress.ts).find((m) => m.stream !== undefined);
      const first = plan?.stream?.appends[0];
      if (!plan || !first) {
        const seen = scribe.logs.filter((l) => /^(plan|email|status)\./.test(String(l.event ?? '')));
        throw new Error(`no email text was streamed into the plan: ${JSON.stringify(seen).slice(0, 3_000)}`);
      }
      // Runs go one after another: this run's first streamed text is the (run + 1)th.
      const streamed = await slack.until(
        () => scribe.events({ event: 'email.streamed', first: true })[run],
        'the email.streamed log line',
      );
      const research = await scribe.waitForEvent({
        event: 'step.saved',
        step: 'research',
        generationId: streamed.generationId,
      });
      const researchAt = Number(research.time);
      // The plan's stream is the result once stopped with it (issue 23); a reply, when it was posted.
      const doneAt = result.stream?.stoppedAt ?? result.versions[0]!.at;
      fromSubmission.first.push(first.at - submitted);
      fromSubmission.done.push(doneAt - submitted);
      fromResearch.first.push(first.at - researchAt);
      fromResearch.done.push(doneAt - researchAt);
      streamedChars = plan.text.length;
    }
    const seeds = {
      seed_ms: { ...SEED_MS, compose_first_token: WRITER.firstTokenMs },
      writer_pace: { chars: WRITER.chars, delay_ms: WRITER.delayMs },
    };
    const firstFromResearch = stats(fromResearch.first);
    report({
      bench: 'stream.first_text_ms',
      from_submission: stats(fromSubmission.first),
      from_research_done: firstFromResearch,
      runs: RUNS,
      ...seeds,
      target: 'first text within 1500 ms of the research finishing',
      met: firstFromResearch.max <= 1_500,
    });
    report({
      bench: 'stream.done_ms',
      from_submission: stats(fromSubmission.done),
      from_research_done: stats(fromResearch.done),
      runs: RUNS,
      email_chars: streamedChars,
      ...seeds,
    });
  } finally {
    scribe.kill();
    await scribe.exited;
    await services.close();
    await slack.close();
    await db.drop();
  }
}
