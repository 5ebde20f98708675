/**
 * Chat benchmarks (issues 5, 6 and 14): slash command → ack and modal submission → ack latency with 50 in flight
 * (target p99 < 100 ms), and the Web API / REST calls one generation costs, measured against
 * `scribe start` as users run it, with every service faked.
 */
import { startFakeDiscord } from '../test/fakes/discord/index.ts';
import { startFakeSlack } from '../test/fakes/slack/index.ts';
import { createTestDatabase } from '../test/helpers/db-standalone.ts';
import { cleanEnv, freePort, spawnScribe } from '../test/helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, startServices } from '../test/helpers/services.ts';
import { report, stats } from './report.ts';

export async function benchChat(databaseUrl: string): Promise<void> {
  const [slack, discord, services, port] = await Promise.all([
    startFakeSlack(),
    startFakeDiscord(),
    startServices(),
    freePort(),
  ]);
  const db = await createTestDatabase(databaseUrl);
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
      LOG_LEVEL: 'info',
    }),
  );
  try {
    await scribe.waitForLog((l) => l.msg === 'scribe is running' || l.level >= 50, 60_000);
    const driver = slack.httpDriver({ url: `http://127.0.0.1:${port}/slack/events` });

    // The first burst after start runs every code path of the form for the first time (V8 compiles
    // as it goes): reported on its own, then 50 commands at once, three rounds, on a warm service.
    for (let i = 0; i < 10; i++) await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: 'help' });
    const burst = () =>
      Promise.all(
        Array.from({ length: 50 }, () => driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' })),
      ).then((results) => results.map((r) => r.ms));
    const cold = stats(await burst());
    report({ bench: 'slack.slash_to_ack_first_burst_ms', in_flight: 50, ...cold, samples: 50 });
    await new Promise((r) => setTimeout(r, 2_000)); // the first burst's modals open
    const acks: number[] = [];
    for (let round = 0; round < 3; round++) acks.push(...(await burst()));
    const ack = stats(acks);
    report({
      bench: 'slack.slash_to_ack_ms',
      in_flight: 50,
      ...ack,
      samples: acks.length,
      target: 'p99 < 100 ms',
      met: ack.p99 < 100,
    });

    // Let the burst's modals (opened after each ack) finish before counting one generation's calls.
    await slack.until(() => slack.callsTo('views.open').length >= acks.length, "the burst's modals", 30_000);

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
    for (;;) {
      const thread = discord
        .channelView(discord.channelId)
        .find(
          (m) => m.threadId && discord.channelView(m.threadId).some((x) => x.content.includes('Dear Dr. Lovelace')),
        );
      if (thread) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    void cmd;
    const rest = discord.rest.calls.slice(restBefore).map((c) => `${c.method} ${c.route}`);
    const restBy: Record<string, number> = {};
    for (const r of rest) restBy[r] = (restBy[r] ?? 0) + 1;
    report({ bench: 'discord.rest_calls_per_generation', total: rest.length, by_route: restBy });

    // The modal's submission → ack, 50 in flight (50 people, each with the form open), three rounds:
    // the ack waits on the quota check, so this is the request path's database work under load.
    const people = Array.from({ length: 50 }, (_, i) => `U0SUB${String(i).padStart(2, '0')}`);
    const submissionAcks: number[] = [];
    for (let round = 0; round < 3; round++) {
      const opened = slack.callsTo('views.open').length;
      await Promise.all(people.map((user) => driver.slashCommand({ user, channel: 'C0GENERAL', text: '' })));
      await slack.until(() => slack.callsTo('views.open').length >= opened + people.length, 'the modals', 30_000);
      const results = await Promise.all(
        people.map((user) =>
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
      for (const r of results) submissionAcks.push(r.ms);
    }
    const submitted = stats(submissionAcks);
    report({
      bench: 'slack.submission_to_ack_ms',
      in_flight: 50,
      ...submitted,
      samples: submissionAcks.length,
      target: 'p99 < 100 ms',
      met: submitted.p99 < 100,
    });
  } finally {
    scribe.kill('SIGTERM');
    await scribe.exited;
    await Promise.all([slack.close(), discord.close(), services.close()]);
    await db.drop();
  }
}
