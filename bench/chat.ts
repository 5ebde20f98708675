/**
 * Chat benchmarks (issues 5, 6, 14 and 24): slash command → ack and form submission → ack latency
 * with 50 in flight (target p99 < 100 ms) on Slack and Discord — the first burst after the start,
 * a warm service, and while four generations run (seed latencies, `WORKER_CONCURRENCY=4`), with the
 * event loop's delay over each phase (prom-client's `monitorEventLoopDelay`, read from /metrics) —
 * and the Web API / REST calls one generation costs, measured against `scribe start` as users run
 * it, with every service faked. The fakes that serve generations run in a child process of their own
 * (bench/services-child.ts), so this process hosts only the fake Slack and the clock; Slack's
 * requests are sent and their acks timed on a thread of their own (timed-post-thread.ts), and the
 * fake Discord runs, and times its interactions' acks, on another (discord-thread.ts): each of
 * those threads' event loops does nothing else.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { processCpuMs, untilQuiet } from './memory.ts';
import { RECIPIENT, TEMPLATE } from '../test/helpers/services.ts';
import { SEED_MS } from './pipeline.ts';
import { report, stats } from './report.ts';
import type { FormValues } from './discord-thread.ts';
import { startChatBox } from './scribe-start.ts';

const IN_FLIGHT = 50;
/** On every ack line: where the generations' fakes ran (in this process before; see the header). */
const SERVICES = { services: 'child process' } as const;
/** On the lines measured after the fakes took the seed latencies (the generations then started wait on them). */
const SEEDED = { generations_at: 'seed latencies' } as const;
/** On Slack's ack lines: where the acks were timed (this process's event loop before; see the header). */
const TIMED = { timed_on: 'own thread' } as const;

/** Every ack line's target (issue 24): p99 under 100 ms, and whether this line met it. */
function ackTarget(p99: number): { target: string; met: boolean } {
  return { target: 'p99 < 100 ms', met: p99 < 100 };
}

/** The event loop's delay since the last read (prom-client resets its histogram on each scrape), in ms. */
async function loopDelay(metricsUrl: string): Promise<{ p99_ms: number; max_ms: number }> {
  const text = await (await fetch(metricsUrl, { signal: AbortSignal.timeout(10_000) })).text();
  const value = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  const ms = (s: number) => Math.round(s * 1e5) / 100;
  return {
    p99_ms: ms(value('nodejs_eventloop_lag_p99_seconds')),
    max_ms: ms(value('nodejs_eventloop_lag_max_seconds')),
  };
}

/** The form's values, as each person fills it in Discord's bursts. */
const FORM: FormValues = {
  template: TEMPLATE,
  recipient_name: RECIPIENT.recipientName,
  recipient_interest: RECIPIENT.recipientInterest,
};

export async function benchChat(databaseUrl: string): Promise<void> {
  const box = await startChatBox(databaseUrl);
  const { slack, discord, services, timer, scribe, metricsUrl } = box;
  try {
    // 50 Discord members, each with a form of their own.
    await discord.addMembers(IN_FLIGHT);
    const driver = slack.httpDriver({ url: box.slackUrl, send: timer.send });

    // The first burst after start runs every code path of the form for the first time (V8 compiles
    // as it goes): reported on its own, then 50 commands at once, three rounds, on a warm service.
    for (let i = 0; i < 10; i++) await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: 'help' });
    const burst = () =>
      Promise.all(
        Array.from({ length: 50 }, () => driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' })),
      ).then((results) => results.map((r) => r.ms));
    // This process's own event loop delay in a burst: it serves the fake Slack's Web API (the modals
    // Scribe opens after each ack); the acks are timed on the thread, whose own delay is said too
    // (`timer_loop_delay_max_ms`). Both the largest in the burst, in ms.
    const benchLoop = monitorEventLoopDelay({ resolution: 5 });
    const benchLoopMaxMs = () => {
      const max = Math.round(benchLoop.max / 1e4) / 100;
      benchLoop.reset();
      return max;
    };
    benchLoop.enable();
    await loopDelay(metricsUrl);
    const cold = stats(await burst());
    const coldDelay = await loopDelay(metricsUrl);
    report({
      bench: 'slack.slash_to_ack_first_burst_ms',
      in_flight: 50,
      ...cold,
      samples: 50,
      ...ackTarget(cold.p99),
      event_loop_delay: coldDelay,
      bench_loop_delay_max_ms: benchLoopMaxMs(),
      timer_loop_delay_max_ms: await timer.loopDelayMaxMs(),
      ...SERVICES,
      ...TIMED,
    });
    // Discord's first burst comes after Slack's: the request layer's code is shared, so it is warmer.
    // It starts once Scribe has opened the Slack burst's 50 modals (its work after those acks), so
    // that it too is 50 in flight, not 100. Timed on the fake Discord's thread (discord-thread.ts):
    // its largest delay in the burst and the time it took to send the burst are on the line.
    await slack.until(() => slack.callsTo('views.open').length >= 50, "the Slack burst's modals", 30_000);
    // …and once Scribe has done the rest of that burst's work (each form's quota check after its
    // modal, the modals' answers): its main thread under 5 ms of CPU in 50 ms.
    const settledMs = await untilQuiet(scribe.child.pid!);
    await discord.loopDelayMaxMs();
    const discordFirst = await discord.commands();
    const discordCold = stats(discordFirst.ms);
    report({
      bench: 'discord.ack_first_burst_ms',
      in_flight: IN_FLIGHT,
      ...discordCold,
      samples: IN_FLIGHT,
      ...ackTarget(discordCold.p99),
      dispatch_ms: discordFirst.dispatchMs,
      started_after:
        "the Slack burst's 50 modals were opened and Scribe's main thread went quiet (< 5 ms of CPU in 50 ms)",
      settled_ms: settledMs,
      timer_loop_delay_max_ms: await discord.loopDelayMaxMs(),
      ...SERVICES,
      ...TIMED,
    });
    await new Promise((r) => setTimeout(r, 2_000)); // the first burst's modals open
    const acks: number[] = [];
    await loopDelay(metricsUrl);
    // Scribe's own CPU during each burst (all its threads): a burst of 50 is acked within about
    // the CPU time it takes, plus whatever else the process runs meanwhile (the modals of the
    // burst before, the generations of Discord's first burst).
    const burstCpuMs: number[] = [];
    benchLoopMaxMs(); // from here
    await timer.loopDelayMaxMs();
    for (let round = 0; round < 3; round++) {
      const cpuFrom = processCpuMs(scribe.child.pid!);
      acks.push(...(await burst()));
      burstCpuMs.push(processCpuMs(scribe.child.pid!) - cpuFrom);
    }
    const ack = stats(acks);
    report({
      bench: 'slack.slash_to_ack_ms',
      in_flight: 50,
      ...ack,
      samples: acks.length,
      ...ackTarget(ack.p99),
      event_loop_delay: await loopDelay(metricsUrl),
      scribe_cpu_ms_per_burst: burstCpuMs,
      bench_loop_delay_max_ms: benchLoopMaxMs(),
      timer_loop_delay_max_ms: await timer.loopDelayMaxMs(),
      ...SERVICES,
      ...TIMED,
    });

    // Let the burst's modals (opened after each ack) finish before counting one generation's calls.
    // (50 from the first burst, then the warm ones.)
    await slack.until(() => slack.callsTo('views.open').length >= 50 + acks.length, "the bursts' modals", 30_000);

    // Web API calls for one generation: from the modal's submission to the final progress edit.
    await driver.slashCommand({ user: 'U0GRACE', channel: 'C0GENERAL', text: '' });
    await slack.until(() => slack.views('U0GRACE')[0], 'the modal');
    const before = slack.calls.length;
    await driver.submitView({
      user: 'U0GRACE',
      values: {
        template: TEMPLATE,
        recipient_name: RECIPIENT.recipientName,
        recipient_interest: RECIPIENT.recipientInterest,
      },
    });
    const progress = await slack.until(
      () =>
        slack
          .messagesIn('C0GENERAL')
          .find((m) => m.fromBot && /Ada Lovelace/.test(m.visible) && m.threadTs === undefined),
      'progress',
      20_000,
    );
    await slack.until(
      () => /ready/.test(slack.messagesIn('C0GENERAL').find((m) => m.ts === progress.ts)?.visible ?? ''),
      'final progress',
      30_000,
    );
    const calls = slack.calls.slice(before).map((c) => c.method);
    const byMethod: Record<string, number> = {};
    for (const m of calls) byMethod[m] = (byMethod[m] ?? 0) + 1;
    report({ bench: 'slack.web_api_calls_per_generation', total: calls.length, by_method: byMethod });

    // Discord: REST calls for one generation, from the command to the result.
    const restBy = await discord.oneGeneration(FORM, 'Dear Dr. Lovelace');
    const restTotal = Object.values(restBy).reduce((a, b) => a + b, 0);
    report({ bench: 'discord.rest_calls_per_generation', total: restTotal, by_route: restBy });

    // From here on the fakes answer at the seed latencies (the critical path's ~10 s), so the
    // generations that the submissions below start spend their time waiting on APIs, as real ones
    // do, four at a time (WORKER_CONCURRENCY=4): a box at its full concurrency. Until the calls above
    // were counted the fakes answered at once; left so, the generations ran back to back, ~2 s each
    // and four at a time (two a second, where a box at the seed latencies finishes one in 2.5 s),
    // and held Scribe's event loop through the later rounds of both platforms (docs/decisions.md,
    // "Starts wait for acks, and the chat bench's generations").
    await services.setLatencies({
      anthropic: { parsed_template: SEED_MS.parse, email: SEED_MS.compose },
      exa: SEED_MS.research,
      arxiv: SEED_MS.arxiv,
    });
    // Discord, warm: 50 people run `/scribe` at once and then submit their forms at once, three rounds.
    const discordCommandAcks: number[] = [];
    const discordSubmissionAcks: number[] = [];
    await loopDelay(metricsUrl);
    await discord.loopDelayMaxMs();
    for (let round = 0; round < 3; round++) {
      const commands = await discord.commands();
      discordCommandAcks.push(...commands.ms);
      discordSubmissionAcks.push(...(await discord.submissions(commands.ids, `d${round}`, FORM)));
    }
    reportAcks('discord.ack_ms', discordCommandAcks, discordSubmissionAcks, await loopDelay(metricsUrl), {
      ...SEEDED,
      timer_loop_delay_max_ms: await discord.loopDelayMaxMs(),
      ...TIMED,
    });

    // The modal's submission → ack, 50 in flight (50 people, each with the form open), three rounds:
    // the ack waits on the quota check, so this is the request path's database work under load.
    const people = Array.from({ length: 50 }, (_, i) => `U0SUB${String(i).padStart(2, '0')}`);
    let formsMissed = 0;
    const slackRound = async (round: string): Promise<{ slash: number[]; submission: number[] }> => {
      const opened = slack.callsTo('views.open').length;
      const slash = await Promise.all(
        people.map((user) => driver.slashCommand({ user, channel: 'C0GENERAL', text: '' })),
      );
      await slack.until(() => slack.callsTo('views.open').length >= opened + people.length, 'the modals', 30_000);
      // A form opened too late (Slack's trigger id lasts 3 s; an overloaded machine can miss it) is
      // not there to submit: counted, not submitted.
      const withForm = people.filter((user) => slack.views(user).length > 0);
      formsMissed += people.length - withForm.length;
      const results = await Promise.all(
        withForm.map((user) =>
          driver.submitView({
            user,
            values: {
              template: TEMPLATE,
              recipient_name: `${RECIPIENT.recipientName} ${round}`,
              recipient_interest: RECIPIENT.recipientInterest,
            },
          }),
        ),
      );
      return { slash: slash.map((r) => r.ms), submission: results.map((r) => r.ms) };
    };
    const submissionAcks: number[] = [];
    await timer.loopDelayMaxMs(); // from here
    await loopDelay(metricsUrl);
    for (let round = 0; round < 3; round++) submissionAcks.push(...(await slackRound(String(round))).submission);
    const submitted = stats(submissionAcks);
    report({
      bench: 'slack.submission_to_ack_ms',
      in_flight: 50,
      ...submitted,
      samples: submissionAcks.length,
      forms_missed: formsMissed,
      ...SEEDED,
      ...ackTarget(submitted.p99),
      // Scribe's event loop over the three rounds (their commands too), beside the timing thread's.
      event_loop_delay: await loopDelay(metricsUrl),
      timer_loop_delay_max_ms: await timer.loopDelayMaxMs(),
      ...SERVICES,
      ...TIMED,
    });

    // While four generations run: the 300 generations just started are queued behind
    // WORKER_CONCURRENCY=4 at the seed latencies, so four run throughout (counted before and after).
    const countRunning = async () => {
      const client = new pg.Client({ connectionString: box.databaseUrl });
      await client.connect();
      try {
        const { rows } = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM generations WHERE status = 'running'",
        );
        return rows[0]?.n ?? 0;
      } finally {
        await client.end();
      }
    };
    const deadline = Date.now() + 30_000;
    while ((await countRunning()) < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const runningBefore = await countRunning();
    formsMissed = 0;
    const loaded = {
      slack: [] as number[],
      slackSubmission: [] as number[],
      discord: [] as number[],
      discordSubmission: [] as number[],
    };
    await loopDelay(metricsUrl);
    await discord.loopDelayMaxMs();
    await timer.loopDelayMaxMs();
    for (let round = 0; round < 2; round++) {
      const r = await slackRound(`load${round}`);
      loaded.slack.push(...r.slash);
      loaded.slackSubmission.push(...r.submission);
      const commands = await discord.commands();
      loaded.discord.push(...commands.ms);
      loaded.discordSubmission.push(...(await discord.submissions(commands.ids, `dload${round}`, FORM)));
    }
    const delay = await loopDelay(metricsUrl);
    const runningAfter = await countRunning();
    const running = { generations_running: [runningBefore, runningAfter], ...SEEDED, forms_missed: formsMissed };
    reportAcks('slack.ack_under_load_ms', loaded.slack, loaded.slackSubmission, delay, {
      ...running,
      timer_loop_delay_max_ms: await timer.loopDelayMaxMs(),
      ...TIMED,
    });
    reportAcks('discord.ack_under_load_ms', loaded.discord, loaded.discordSubmission, delay, {
      ...running,
      timer_loop_delay_max_ms: await discord.loopDelayMaxMs(),
      ...TIMED,
    });
  } finally {
    await box.close();
  }
}

/** One line for a platform's acks: commands and submissions together, and each on its own. */
function reportAcks(
  bench: string,
  commands: number[],
  submissions: number[],
  delay: { p99_ms: number; max_ms: number },
  extra: Record<string, unknown> = {},
): void {
  const all = stats([...commands, ...submissions]);
  report({
    bench,
    in_flight: IN_FLIGHT,
    ...all,
    samples: commands.length + submissions.length,
    command_p99: stats(commands).p99,
    submission_p99: stats(submissions).p99,
    ...extra,
    event_loop_delay: delay,
    ...ackTarget(all.p99),
    ...SERVICES,
  });
}
