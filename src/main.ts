/**
 * The `scribe` CLI. Each command has one composition root here: it reads Config, creates the
 * logger, pool and clients, hands them down, and owns start and stop. No other module reads
 * `process.env` or constructs a client.
 */
// First: re-executes with the compile cache and small-box V8 flags before anything else loads.
import './boot.ts';
import { ConfigError, loadConfig, secretsOf, type Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { createLifecycle } from './lifecycle.ts';
import { openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { logIntegrations, openMigratedDatabase, type CommandResult } from './commands/common.ts';
import { composeWorker } from './commands/worker.ts';
import { platformReporters, startBots } from './commands/bots.ts';
import { parseArgs } from 'node:util';
import { startQueue } from './jobs/queue.ts';
import type { HttpServer } from './http/server.ts';
import { createPromMetrics } from './http/metrics.ts';
import { METRICS_HOST, startHttpServers } from './commands/http.ts';
import { chatHostsOf, watchChatCalls } from './telemetry/chat-calls.ts';
import { startTracing } from './telemetry/start.ts';
import { afterAcks } from './bots/shared/ack-first.ts';

const HELP = `scribe — personalised academic outreach emails from Slack and Discord

Usage: scribe <command> [options]

Commands:
  start              everything in one process: migrations, chat bots, worker, HTTP server (/health;
                     /metrics on 127.0.0.1:METRICS_PORT)
  bot                chat receivers only: validate, record and enqueue
  worker             job worker only: runs pipelines and edits chat messages
  migrate            apply database migrations and exit
  draft --template FILE --name NAME --interest TEXT [--json]
  draft --template FILE --batch recipients.csv [--json] [--out DIR]
                     one generation in the terminal; the email goes to stdout
  history --platform slack|discord --team ID --user ID [--csv]
                     one person's outreach (emails marked as sent); --csv as /scribe export
  discord-register [--guild ID]
                     register the /scribe command with Discord

Configuration comes from environment variables; see .env.example and README.md.
With DATABASE_URL unset, an embedded PostgreSQL runs in $SCRIBE_DATA_DIR/postgres.
`;

type Command = (config: Config, logger: Logger, args: string[]) => Promise<CommandResult>;

export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    process.exitCode = command === undefined ? 1 : 0;
    return;
  }
  const COMMANDS: Record<string, Command> = {
    start: runStart,
    bot: runBot,
    worker: runWorker,
    migrate: runMigrate,
    draft: async (config, logger, args) => (await import('./commands/draft.ts')).runDraft(config, logger, args),
    'discord-register': runDiscordRegister,
    history: async (config, logger, args) => (await import('./commands/history.ts')).runHistory(config, logger, args),
  };
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`scribe: unknown command "${command}"\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  // Help needs no configuration: it works before .env is right.
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(
      command === 'draft'
        ? (await import('./commands/draft.ts')).DRAFT_HELP
        : command === 'history'
          ? (await import('./commands/history.ts')).HISTORY_HELP
          : HELP,
    );
    return;
  }

  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`scribe: ${err.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw err;
  }
  // `draft` prints the email on stdout: its logs go to stderr, and only warnings and worse.
  const logger = createLogger({
    level: (command === 'draft' || command === 'history') && config.logLevel === 'info' ? 'warn' : config.logLevel,
    secrets: secretsOf(config),
    ...(command === 'draft' || command === 'history' ? { fd: 2 } : {}),
  });
  try {
    const result = await run(config, logger, args);
    if (result !== 'running') process.exitCode = result;
  } catch (err) {
    logger.fatal({ err }, `scribe ${command} failed`);
    logger.flush();
    process.exitCode = 1;
  }
}

/** What each long-running command runs. */
interface Roles {
  bots: boolean;
  worker: boolean;
  http: boolean;
}

/** The composition root of `start`, `bot` and `worker`: the same parts, in different sets. */
async function runService(command: string, roles: Roles, config: Config, logger: Logger): Promise<CommandResult> {
  const lifecycle = createLifecycle(logger);
  lifecycle.handleSignals();
  try {
    // First, so the SDK's instrumentations see the modules loaded after it.
    const tracer = await startTracing(config.tracing);
    lifecycle.add('tracing', () => tracer.shutdown());
    const db = await openMigratedDatabase(config, logger, lifecycle);
    // Counters live in the process that serves /metrics (a bare `scribe worker` serves no HTTP).
    const prom = roles.http ? await createPromMetrics({ db: db.pool }) : undefined;
    if (prom) {
      const unwatch = watchChatCalls(
        chatHostsOf({ slack: config.slack?.apiUrl, discord: config.discord?.apiUrl }),
        prom.metrics,
      );
      lifecycle.add('chat metrics', async () => unwatch());
    }
    const queue = await startQueue({ connectionString: db.url, logger, supervise: roles.worker });
    lifecycle.add('queue', () => queue.stop());
    const parts = { config, logger, lifecycle, pool: db.pool, boss: queue.boss };
    const running: string[] = [];
    let http: HttpServer | undefined;
    if (roles.worker) {
      await composeWorker({
        ...parts,
        connectionString: db.url,
        reporters: await platformReporters(config, logger),
        metrics: prom?.metrics,
        // `start` answers chat too: the first generation's imports must not hold its acks, and
        // the generations' work waits for acks on their way.
        preloadClients: roles.bots,
        yieldTo: roles.bots ? afterAcks : undefined,
      });
      running.push('worker');
    }
    let metricsUrl: string | undefined;
    if (roles.http) {
      const servers = await startHttpServers({
        ...parts,
        queue,
        roles: running,
        embeddedDatabase: db.embedded !== undefined,
        prom,
      });
      http = servers.public;
      metricsUrl = `http://${METRICS_HOST}:${servers.metrics.port}/metrics`;
      running.push('http');
    }
    // Bots start after the HTTP server (Slack over HTTP mounts on it) and so stop before it.
    if (roles.bots)
      running.push(...(await startBots({ ...parts, connectionString: db.url, http, metrics: prom?.metrics })));
    logIntegrations(config, logger);
    const health = http ? `http://localhost:${http.port}/health` : undefined;
    logger.info({ event: 'scribe.started', command, running, health, metrics: metricsUrl }, 'scribe is running');
    return 'running';
  } catch (err) {
    const inUse = portInUse(err, config);
    if (!inUse) logger.fatal({ err }, `scribe ${command} failed`);
    await lifecycle.shutdown(`${command} failed`);
    // Last, so it is the line a person sees: a stack trace would bury it.
    if (inUse) process.stderr.write(`scribe ${command}: ${inUse}\n`);
    return 1;
  }
}

/** What to do about a port another process holds (often a Scribe still running), or undefined. */
function portInUse(err: unknown, config: Config): string | undefined {
  const { code, port } = (err ?? {}) as { code?: unknown; port?: unknown };
  if (code !== 'EADDRINUSE') return undefined;
  const fix = port === config.port ? 'set PORT to a free port' : 'choose another port';
  return `port ${String(port)} is already in use (is Scribe already running?): stop that process, or ${fix}`;
}

const runStart: Command = (config, logger) =>
  runService('start', { bots: true, worker: true, http: true }, config, logger);
const runBot: Command = (config, logger) =>
  runService('bot', { bots: true, worker: false, http: true }, config, logger);
const runWorker: Command = (config, logger) =>
  runService('worker', { bots: false, worker: true, http: false }, config, logger);

async function runDiscordRegister(config: Config, logger: Logger, args: string[]): Promise<CommandResult> {
  const { values } = parseArgs({ args, options: { guild: { type: 'string' } }, strict: true });
  if (!config.discord) {
    process.stderr.write('scribe discord-register: set DISCORD_TOKEN and DISCORD_APPLICATION_ID first\n');
    return 1;
  }
  const { registerDiscordCommands } = await import('./bots/discord/commands.ts');
  const { createDiscordRest } = await import('./bots/discord/client.ts');
  const commands = await registerDiscordCommands({
    rest: createDiscordRest(config.discord),
    applicationId: config.discord.applicationId,
    guildId: values.guild,
  });
  logger.info(
    { commands: commands.map((c) => c.name), scope: values.guild ? `guild ${values.guild}` : 'global' },
    values.guild
      ? 'commands registered for the guild (available at once)'
      : 'commands registered globally (may take up to an hour to appear)',
  );
  return 0;
}

async function runMigrate(config: Config, logger: Logger): Promise<CommandResult> {
  const lifecycle = createLifecycle(logger);
  try {
    const db = await openDatabase(config, logger);
    lifecycle.add('database', () => db.close(), 60_000);
    const applied = await migrate(db.pool, logger);
    logger.info(
      { event: 'migrations.finished', applied },
      applied.length ? 'migrations applied' : 'database is up to date',
    );
    return 0;
  } finally {
    await lifecycle.shutdown('migrate finished');
  }
}

if (import.meta.main) {
  await main(process.argv.slice(2));
}
