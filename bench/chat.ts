/**
 * Chat benchmarks (issues 5, 6, 14 and 24): slash command → ack and form submission → ack latency
 * with 50 in flight (target p99 < 100 ms) on Slack and Discord — the first burst after the start,
 * a warm service, and while four generations run (seed latencies, `WORKER_CONCURRENCY=4`), with the
 * event loop's delay over each phase (prom-client's `monitorEventLoopDelay`, read from /metrics) —
 * and the Web API / REST calls one generation costs, measured against `scribe start` as users run
 * it, with every service faked. The fakes that serve generations run in a child process of their own
 * (bench/services-child.ts), so this process hosts only the fake Slack and Discord and the clock;
 * Slack's requests are sent and their acks timed on a thread of their own (timed-post-thread.ts),
 * whose event loop does nothing else.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import pg from 'pg';
import type { APIUser } from 'discord.js';
import { type FakeDiscord, startFakeDiscord } from '../test/fakes/discord/index.ts';
import { startFakeSlack } from '../test/fakes/slack/index.ts';
import { createTestDatabase } from '../test/helpers/db-standalone.ts';
import { cleanEnv, freePort, spawnScribe } from '../test/helpers/scribe-process.ts';
import { processCpuMs } from './memory.ts';
import { RECIPIENT, TEMPLATE } from '../test/helpers/services.ts';
import { SEED_MS } from './pipeline.ts';
import { report, stats } from './report.ts';
import { startServicesChild } from './services-child.ts';
import { startTimedPostThread } from './timed-post-thread.ts';

const IN_FLIGHT = 50;
/** On every ack line: where the generations' fakes ran (in this process before; see the header). */
const SERVICES = { services: 'child process' } as const;
/** On Slack's ack lines: where the acks were timed (this process's event loop before; see the header). */
const TIMED = { timed_on: 'own thread' } as const;

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

/** Every wait in this bench ends: `check` is polled until truthy, or it fails naming what it waited for. */
async function poll<T>(check: () => T | Promise<T>, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`chat bench: waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The app's accepted answer to an interaction, or an error after 10 s (a refused or late answer never comes). */
function answered(discord: FakeDiscord, id: string): Promise<{ type: number }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`interaction ${id} was not answered within 10 s`)), 10_000);
  });
  return Promise.race([discord.nextCallback(id), late]).finally(() => clearTimeout(timer));
}

/**
 * Discord: each person runs `/scribe` (the form) at once; the ack is the modal (callback type 9).
 * `dispatchMs`: how long this process took to send the 50 interactions over the fake gateway, during
 * which it reads no callback (the first ones' acks are counted at least that late).
 */
async function discordCommands(
  discord: FakeDiscord,
  users: APIUser[],
): Promise<{ ids: string[]; ms: number[]; dispatchMs: number }> {
  const from = performance.now();
  const pending = users.map(async (user) => {
    const started = performance.now();
    const { id } = discord.slashCommand({ user });
    const callback = await answered(discord, id);
    if (callback.type !== 9) throw new Error(`/scribe was answered with type ${callback.type}, not the form`);
    return { id, ms: performance.now() - started };
  });
  const dispatchMs = Math.round((performance.now() - from) * 100) / 100;
  const results = await Promise.all(pending);
  return { ids: results.map((r) => r.id), ms: results.map((r) => r.ms), dispatchMs };
}

/** Discord: each form from `commandIds` is submitted at once; the ack is the deferred reply (type 5). */
async function discordSubmissions(discord: FakeDiscord, commandIds: string[], round: string): Promise<number[]> {
  return Promise.all(
    commandIds.map(async (commandId) => {
      const started = performance.now();
      const { id } = discord.submitModal(commandId, {
        template: TEMPLATE,
        recipient_name: `${RECIPIENT.recipientName} ${round}`,
        recipient_interest: RECIPIENT.recipientInterest,
      });
      const callback = await answered(discord, id);
      if (callback.type !== 5) throw new Error(`the form was answered with type ${callback.type}, not a deferral`);
      return performance.now() - started;
    }),
  );
}

export async function benchChat(databaseUrl: string): Promise<void> {
  const [slack, discord, services, port] = await Promise.all([
    startFakeSlack(),
    startFakeDiscord(),
    startServicesChild(),
    freePort(),
  ]);
  const db = await createTestDatabase(databaseUrl);
  const timer = startTimedPostThread();
  const scribe = spawnScribe(
    ['start'],
    cleanEnv({
      ...services.env,
      DATABASE_URL: db.url,
      PORT: String(port),
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
      SCRIBE_DAILY_QUOTA: '100000',
      WORKER_CONCURRENCY: '4',
      LOG_LEVEL: 'info',
      // A diagnostic run may profile the service (BENCH_NODE_OPTIONS="--cpu-prof --cpu-prof-dir=…").
      NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS,
    }),
  );
  try {
    const started = await scribe.waitForLog((l) => l.msg === 'scribe is running' || l.level >= 50, 60_000);
    const metricsUrl = String(started.metrics);
    // 50 Discord members, each with a form of their own.
    const members = Array.from({ length: IN_FLIGHT }, (_, i) => {
      const user = discord.world.addUser(`member${i}`);
      discord.world.addMember(discord.world.guild, user.id);
      return user;
    });
    const driver = slack.httpDriver({ url: `http://127.0.0.1:${port}/slack/events`, send: timer.send });

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
    const cold = stats(await burst());
    report({
      bench: 'slack.slash_to_ack_first_burst_ms',
      in_flight: 50,
      ...cold,
      samples: 50,
      bench_loop_delay_max_ms: benchLoopMaxMs(),
      timer_loop_delay_max_ms: await timer.loopDelayMaxMs(),
      ...SERVICES,
      ...TIMED,
    });
    // Discord's first burst comes after Slack's: the request layer's code is shared, so it is warmer.
    // Timed on this process's loop, which also runs the fake's gateway and serves the fake Slack:
    // its largest delay in the burst and the time it took to send the burst are on the line.
    benchLoopMaxMs();
    const discordFirst = await discordCommands(discord, members);
    report({
      bench: 'discord.ack_first_burst_ms',
      in_flight: IN_FLIGHT,
      ...stats(discordFirst.ms),
      samples: IN_FLIGHT,
      dispatch_ms: discordFirst.dispatchMs,
      bench_loop_delay_max_ms: benchLoopMaxMs(),
      ...SERVICES,
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
      target: 'p99 < 100 ms',
      met: ack.p99 < 100,
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
    const restBefore = discord.rest.calls.length;
    const cmd = discord.slashCommand({
      user: discord.people.ada,
      options: {
        template: TEMPLATE,
        recipient_name: RECIPIENT.recipientName,
        recipient_interest: RECIPIENT.recipientInterest,
      },
    });
    // Components V2: the email is in the thread message's text displays (`text`), its `content` empty.
    await poll(
      () =>
        discord
          .channelView(discord.channelId)
          .find((m) => m.threadId && discord.channelView(m.threadId).some((x) => x.text.includes('Dear Dr. Lovelace'))),
      "Discord's result in the thread (a message with 'Dear Dr. Lovelace')",
    );
    void cmd;
    const rest = discord.rest.calls.slice(restBefore).map((c) => `${c.method} ${c.route}`);
    const restBy: Record<string, number> = {};
    for (const r of rest) restBy[r] = (restBy[r] ?? 0) + 1;
    report({ bench: 'discord.rest_calls_per_generation', total: rest.length, by_route: restBy });

    // Discord, warm: 50 people run `/scribe` at once and then submit their forms at once, three rounds.
    const discordCommandAcks: number[] = [];
    const discordSubmissionAcks: number[] = [];
    await loopDelay(metricsUrl);
    for (let round = 0; round < 3; round++) {
      const commands = await discordCommands(discord, members);
      discordCommandAcks.push(...commands.ms);
      discordSubmissionAcks.push(...(await discordSubmissions(discord, commands.ids, `d${round}`)));
    }
    reportAcks('discord.ack_ms', discordCommandAcks, discordSubmissionAcks, await loopDelay(metricsUrl));

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
    for (let round = 0; round < 3; round++) submissionAcks.push(...(await slackRound(String(round))).submission);
    const submitted = stats(submissionAcks);
    report({
      bench: 'slack.submission_to_ack_ms',
      in_flight: 50,
      ...submitted,
      samples: submissionAcks.length,
      forms_missed: formsMissed,
      target: 'p99 < 100 ms',
      met: submitted.p99 < 100,
      ...SERVICES,
      ...TIMED,
    });

    // While four generations run: the seed latencies from here on, the 300 generations just started
    // queued behind WORKER_CONCURRENCY=4, so four run throughout (counted before and after).
    await services.setLatencies({
      anthropic: { parsed_template: SEED_MS.parse, email: SEED_MS.compose },
      exa: SEED_MS.research,
      arxiv: SEED_MS.arxiv,
    });
    const countRunning = async () => {
      const client = new pg.Client({ connectionString: db.url });
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
    for (let round = 0; round < 2; round++) {
      const r = await slackRound(`load${round}`);
      loaded.slack.push(...r.slash);
      loaded.slackSubmission.push(...r.submission);
      const commands = await discordCommands(discord, members);
      loaded.discord.push(...commands.ms);
      loaded.discordSubmission.push(...(await discordSubmissions(discord, commands.ids, `dload${round}`)));
    }
    const delay = await loopDelay(metricsUrl);
    const runningAfter = await countRunning();
    const running = { generations_running: [runningBefore, runningAfter], forms_missed: formsMissed };
    reportAcks('slack.ack_under_load_ms', loaded.slack, loaded.slackSubmission, delay, { ...running, ...TIMED });
    reportAcks('discord.ack_under_load_ms', loaded.discord, loaded.discordSubmission, delay, running);
  } finally {
    scribe.kill('SIGTERM');
    // Its stop waits for work in flight; past 30 s it is killed rather than waited on.
    const killer = setTimeout(() => {
      process.stderr.write('chat bench: scribe did not stop within 30 s of SIGTERM; killing it\n');
      scribe.kill('SIGKILL');
    }, 30_000);
    await scribe.exited.finally(() => clearTimeout(killer));
    await Promise.all([slack.close(), discord.close(), services.close(), timer.close()]);
    await db.drop();
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
    target: 'p99 < 100 ms',
    met: all.p99 < 100,
    ...SERVICES,
  });
}
