/**
 * The `scribe` CLI. Each command has one composition root here: it reads Config, creates the
 * logger, pool and clients, hands them down, and owns start and stop. No other module reads
 * `process.env` or constructs a client.
 */
import { parseArgs } from 'node:util';
import { ConfigError, integrationsOf, loadConfig, secretsOf, type Config } from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { createLifecycle, type Lifecycle } from './lifecycle.ts';
import { openDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { startQueue } from './jobs/queue.ts';
import { startHttpServer } from './http/server.ts';
import { healthRoute } from './http/health.ts';

const HELP = `scribe — personalised academic outreach emails from Slack and Discord

Usage: scribe <command> [options]

Commands:
  start              everything in one process: migrations, chat bots, worker, HTTP server (/health)
  bot                chat receivers only: validate, record and enqueue
  worker             job worker only: runs pipelines and edits chat messages
  migrate            apply database migrations and exit
  draft --template FILE --name NAME --interest TEXT [--json]
                     one generation in the terminal; the email goes to stdout
  discord-register [--guild ID]
                     register the /scribe command with Discord

Configuration comes from environment variables; see .env.example and README.md.
With DATABASE_URL unset, an embedded PostgreSQL runs in $SCRIBE_DATA_DIR/postgres.
`;

/** Commands whose features arrive with later issues say so plainly instead of pretending. */
const NOT_YET: Record<string, string> = {
  bot: 'The Slack and Discord bots are not built yet (issues 5 and 6). `scribe start` runs what exists.',
  worker: 'The job worker is not built yet (issue 4). `scribe start` runs the queue and HTTP server.',
  draft: 'The research-and-writing pipeline is not built yet (issue 3).',
  'discord-register': 'The Discord bot is not built yet (issue 6).',
};

type Command = (config: Config, logger: Logger, args: string[]) => Promise<number | 'running'>;

const COMMANDS: Record<string, Command> = {
  start: runStart,
  migrate: runMigrate,
};

export async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    process.exitCode = command === undefined ? 1 : 0;
    return;
  }
  const run = COMMANDS[command];
  if (!run) {
    const later = NOT_YET[command];
    process.stderr.write(later ? `scribe ${command}: ${later}\n` : `scribe: unknown command "${command}"\n\n${HELP}`);
    process.exitCode = 2;
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
  const logger = createLogger({ level: config.logLevel, secrets: secretsOf(config) });
  try {
    const result = await run(config, logger, args);
    if (result !== 'running') process.exitCode = result;
  } catch (err) {
    logger.fatal({ err }, `scribe ${command} failed`);
    logger.flush();
    process.exitCode = 1;
  }
}

/** Opens the database and registers it for shutdown; migrations run before anything uses it. */
async function openMigratedDatabase(config: Config, logger: Logger, lifecycle: Lifecycle): Promise<Database> {
  const db = await openDatabase(config, logger);
  lifecycle.add('database', () => db.close(), 60_000);
  await migrate(db.pool, logger);
  return db;
}

async function runStart(config: Config, logger: Logger): Promise<number | 'running'> {
  const lifecycle = createLifecycle(logger);
  lifecycle.handleSignals();
  try {
    const db = await openMigratedDatabase(config, logger, lifecycle);
    const queue = await startQueue({ connectionString: db.url, logger });
    lifecycle.add('queue', () => queue.stop());
    const roles = ['http', 'queue'];
    const http = await startHttpServer({
      port: config.port,
      logger,
      routes: [
        healthRoute({
          config,
          db: db.pool,
          queue,
          roles,
          embeddedDatabase: db.embedded !== undefined,
          startedAt: new Date(),
        }),
      ],
    });
    lifecycle.add('http', () => http.close(), 10_000);
    logIntegrations(config, logger);
    logger.info({ port: http.port, health: `http://localhost:${http.port}/health` }, 'scribe is running');
    return 'running';
  } catch (err) {
    logger.fatal({ err }, 'scribe start failed');
    await lifecycle.shutdown('start failed');
    return 1;
  }
}

async function runMigrate(config: Config, logger: Logger): Promise<number> {
  const lifecycle = createLifecycle(logger);
  try {
    const db = await openDatabase(config, logger);
    lifecycle.add('database', () => db.close(), 60_000);
    const applied = await migrate(db.pool, logger);
    logger.info({ applied }, applied.length ? 'migrations applied' : 'database is up to date');
    return 0;
  } finally {
    await lifecycle.shutdown('migrate finished');
  }
}

function logIntegrations(config: Config, logger: Logger): void {
  const integrations = integrationsOf(config);
  for (const [name, state] of Object.entries(integrations)) {
    if (!state.configured) logger.warn({ integration: name, missing: state.missing }, `${name} is not configured`);
  }
  if (!config.slack && !config.discord) {
    logger.warn(
      'no chat platform is configured: set SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) ' +
        'for Slack, or DISCORD_TOKEN + DISCORD_APPLICATION_ID for Discord (see README.md)',
    );
  }
}

if (import.meta.main) {
  await main(process.argv.slice(2));
}
