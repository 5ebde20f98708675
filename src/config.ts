/**
 * The environment, read once, into a frozen typed `Config`. Every problem is reported at once,
 * each naming its variable and what was expected (`ConfigError.problems`).
 *
 * No other module reads `process.env`: composition roots call `loadConfig(process.env)` and pass
 * the result down.
 */
import path from 'node:path';
import fs from 'node:fs';
import os from 'node:os';
import { z } from 'zod';
import { ErrorCode, ScribeError } from './errors.ts';
import { DEFAULT_PRICES, parsePriceOverrides, type PriceTable } from './pipeline/prices.ts';

/** Defaults in one place (design.md section 4). */
export const DEFAULTS = {
  dataDir: '.data',
  port: 3000,
  // OpenTelemetry's Prometheus exporter port; bound to 127.0.0.1 only (docs/decisions.md).
  metricsPort: 9464,
  slackApiUrl: 'https://slack.com/api/',
  discordApiUrl: 'https://discord.com/api',
  fastModel: 'claude-haiku-5-5',
  writerModel: 'claude-sonnet-5-5',
  exaBaseUrl: 'https://api.exa.ai',
  arxivApiUrl: 'https://export.arxiv.org/api/query',
  // Author feeds (`<id>.atom2`) are served by arxiv.org itself, not by the API's export host.
  arxivAuthorUrl: 'https://arxiv.org/a/',
  openalexApiUrl: 'https://api.openalex.org',
  // The headless shell first: same engine, ~half the memory of the full browser (docs/decisions.md).
  chromiumCandidates: ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium', '/usr/bin/chromium-browser'],
  // Unset WORKER_CONCURRENCY: chosen from the machine's memory (`concurrencyForMemory`).
  dailyQuota: 20,
  followUpDays: 7,
  batchMax: 50,
  researchCacheTtl: '24h',
  // Reading pages after Exa's answer, all together (issue 24): the email may come 3 s after the
  // critical path (9.6 s with the seed latencies); 2.5 s go to the pages, 0.5 s to the summary's
  // and the identity's own work (docs/decisions.md, "Slow pages").
  researchPagesDeadline: '2.5s',
  logLevel: 'info',
} as const;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface SlackConfig {
  botToken: string;
  signingSecret: string | undefined;
  /** Set: Socket Mode. Unset: Events API over HTTP. */
  appToken: string | undefined;
  apiUrl: string;
}

export interface DiscordConfig {
  token: string;
  applicationId: string;
  apiUrl: string;
  /** `DISCORD_GUILD_IDS`: the only guilds Scribe serves; undefined serves every guild it is added to. */
  guildIds?: readonly string[] | undefined;
}

export interface Config {
  /** Unset: an embedded PostgreSQL in `<dataDir>/postgres`. */
  databaseUrl: string | undefined;
  /** Absolute path of the local state directory. */
  dataDir: string;
  port: number;
  /** `METRICS_PORT`: the loopback-only server of `/metrics` and the detailed `/health`; 0 picks a free one. */
  metricsPort: number;
  slack: SlackConfig | undefined;
  discord: DiscordConfig | undefined;
  anthropic: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    fastModel: string;
    writerModel: string;
  };
  exa: { apiKey: string | undefined; baseUrl: string };
  arxivApiUrl: string;
  /** `ARXIV_AUTHOR_URL`: where arXiv author feeds are (`<url><id>.atom2`), for an arXiv author id given (issue 20). */
  arxivAuthorUrl: string;
  /** OpenAlex (who the recipient is); without a key its daily allowance is tiny (docs/decisions.md). */
  openalex: { apiUrl: string; apiKey: string | undefined };
  chromiumPath: string | undefined;
  /** `BROWSER_PAGES`: pages the shared browser renders at once (the rest wait for a slot). */
  browserPages: number;
  /** Hosts that may be scraped even though they resolve to private addresses. */
  scrapeAllowHosts: readonly string[];
  workerConcurrency: number;
  /** Where `workerConcurrency` came from: the variable, or the machine's memory (bytes) when it is unset. */
  workerConcurrencyFrom: { variable: true } | { memoryBytes: number };
  dailyQuota: number;
  /** `FOLLOW_UP_DAYS`: how long after *Remind me* the follow-up draft is posted (fractions allowed). */
  followUpDays: number;
  /** Most recipients in one batch (`SCRIBE_BATCH_MAX`). */
  batchMax: number;
  researchCacheTtlMs: number;
  /** `RESEARCH_PAGES_DEADLINE`: all of research's page reads together; the slower pages are left out. */
  researchPagesDeadlineMs: number;
  logLevel: LogLevel;
  /** USD prices per model and per Exa search: the defaults, or SCRIBE_PRICES_JSON merged over them. */
  prices: PriceTable;
  /** `SCRIBE_DAILY_BUDGET_USD`: per workspace/guild and UTC day; undefined: no budget. */
  dailyBudgetUsd: number | undefined;
  /** Tracing (OpenTelemetry); undefined when OTEL_EXPORTER_OTLP_ENDPOINT is unset: off. */
  tracing: { endpoint: string; serviceName: string } | undefined;
}

export class ConfigError extends ScribeError {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(ErrorCode.ConfigInvalid, `Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** "90s", "30m", "24h", "7d", "500ms", or a bare number of seconds. */
export function parseDuration(text: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(text);
  if (!match) return undefined;
  const unit = (match[2]?.toLowerCase() ?? 's') as keyof typeof DURATION_UNITS_MS;
  return Math.round(Number(match[1]) * DURATION_UNITS_MS[unit]);
}

const optionalText = z.string().trim().optional();

const url = (what: string) =>
  z
    .string()
    .trim()
    .refine((v) => URL.canParse(v), { message: `expected ${what} (an absolute URL)` })
    .optional();

const integer = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, { message: `expected a whole number from ${min} to ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `expected a whole number from ${min} to ${max}` })
    .optional();

const EnvSchema = z.object({
  DATABASE_URL: optionalText.refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), {
    message: 'expected a postgres:// or postgresql:// connection URL',
  }),
  SCRIBE_DATA_DIR: optionalText,
  PORT: integer(0, 65_535),
  METRICS_PORT: integer(0, 65_535),
  SLACK_BOT_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith('xoxb-'), {
    message: 'expected a bot token starting with "xoxb-"',
  }),
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_APP_TOKEN: optionalText.refine((v) => v === undefined || v.startsWith('xapp-'), {
    message: 'expected an app-level token starting with "xapp-"',
  }),
  SLACK_API_URL: url('the Slack Web API base'),
  DISCORD_TOKEN: optionalText,
  DISCORD_APPLICATION_ID: optionalText.refine((v) => v === undefined || /^\d{5,25}$/.test(v), {
    message: 'expected the numeric application id (a snowflake)',
  }),
  DISCORD_API_URL: url('the Discord REST base'),
  DISCORD_GUILD_IDS: optionalText
    .transform((v) =>
      v === undefined || v === ''
        ? undefined
        : v
            .split(',')
            .map((id) => id.trim())
            .filter(Boolean),
    )
    .refine((ids) => ids === undefined || (ids.length > 0 && ids.every((id) => /^\d{5,25}$/.test(id))), {
      message: 'expected comma-separated guild ids (snowflakes)',
    }),
  ANTHROPIC_API_KEY: optionalText,
  ANTHROPIC_BASE_URL: url('the Anthropic API base'),
  SCRIBE_FAST_MODEL: optionalText,
  SCRIBE_WRITER_MODEL: optionalText,
  EXA_API_KEY: optionalText,
  EXA_BASE_URL: url('the Exa API base'),
  ARXIV_API_URL: url('the arXiv API query URL'),
  ARXIV_AUTHOR_URL: url("the base of arXiv's author feeds"),
  OPENALEX_API_URL: url('the OpenAlex API base'),
  OPENALEX_API_KEY: optionalText,
  CHROMIUM_PATH: optionalText,
  BROWSER_PAGES: integer(1, 16),
  SCRAPE_ALLOW_HOSTS: optionalText,
  WORKER_CONCURRENCY: integer(1, 64),
  SCRIBE_DAILY_QUOTA: integer(0, 1_000_000),
  SCRIBE_BATCH_MAX: integer(1, 500),
  FOLLOW_UP_DAYS: optionalText.refine(
    (v) => v === undefined || (Number.isFinite(Number(v)) && Number(v) > 0 && Number(v) <= 60),
    {
      message: 'expected a number of days above 0 and at most 60, such as 7 or 0.5',
    },
  ),
  RESEARCH_CACHE_TTL: optionalText.refine((v) => v === undefined || parseDuration(v) !== undefined, {
    message: 'expected a duration such as 24h, 30m, 90s or 7d',
  }),
  RESEARCH_PAGES_DEADLINE: optionalText.refine(
    (v) => {
      const ms = v === undefined ? 0 : parseDuration(v);
      return v === undefined || (ms !== undefined && ms >= 100 && ms <= 600_000);
    },
    { message: 'expected a duration from 100ms to 10m, such as 2.5s or 800ms' },
  ),
  SCRIBE_PRICES_JSON: optionalText,
  SCRIBE_DAILY_BUDGET_USD: optionalText.refine(
    (v) => v === undefined || (Number.isFinite(Number(v)) && Number(v) >= 0),
    {
      message: 'expected an amount in USD, such as 5 or 2.50',
    },
  ),
  OTEL_EXPORTER_OTLP_ENDPOINT: url('the OTLP/HTTP collector'),
  OTEL_SERVICE_NAME: optionalText,
  LOG_LEVEL: optionalText.refine((v) => v === undefined || (LOG_LEVELS as readonly string[]).includes(v), {
    message: `expected one of ${LOG_LEVELS.join(', ')}`,
  }),
});

export interface LoadConfigOptions {
  /** Resolves a relative SCRIBE_DATA_DIR. Default: the process's working directory. */
  cwd?: string;
  /** Whether a file exists (for the Chromium default). Injected by tests. */
  fileExists?: (file: string) => boolean;
  /** The machine's memory in bytes (for the WORKER_CONCURRENCY default). Injected by tests. */
  memoryBytes?: () => number;
}

const GIB = 1024 ** 3;

/**
 * Generations at once that fit in this much memory, with embedded PostgreSQL and the browser on the
 * same box (README, "Raspberry Pi"; measured by `npm run bench -- box box-concurrency`): 1 GB → 4,
 * 2–3 GB → 4… (the figures, docs/decisions.md "Concurrency from memory"), then one per GB up to 8.
 * A "1 GB" board reports a little less than 1 GiB (the kernel and the GPU keep some), so sizes are
 * rounded to the nearest GiB.
 */
export function concurrencyForMemory(bytes: number): number {
  const gib = Math.max(0, Math.round(bytes / GIB));
  return Math.max(MEMORY_CONCURRENCY_BASE, Math.min(gib, MEMORY_CONCURRENCY_MAX));
}
const MEMORY_CONCURRENCY_BASE = 4;
const MEMORY_CONCURRENCY_MAX = 8;

/**
 * Pages the shared browser renders at once when `BROWSER_PAGES` is unset: two for a worker that
 * runs several generations at once, one otherwise. Since research's background search starts with
 * the generation, a wave's renders have the publications search's time to run in; two at a time
 * fit it (issue 24: 22.9–23.3 emails a minute at concurrency 4 against 22.4 with one, +20–30 MB at
 * the peak, 529–557 MB with hostile pages; docs/decisions.md, "Two pages at once by default").
 */
export function pagesForConcurrency(concurrency: number): number {
  return concurrency >= 2 ? 2 : 1;
}

/**
 * The memory this process may use: the machine's (`os.totalmem()`), or less when a cgroup v2 limit
 * (`/sys/fs/cgroup/memory.max`: a container, a systemd `MemoryMax=`) is set below it.
 */
export function machineMemoryBytes(
  readFile: (file: string) => string = (f) => fs.readFileSync(f, 'utf8'),
  total: number = os.totalmem(),
): number {
  let limit = Number.POSITIVE_INFINITY;
  try {
    const text = readFile('/sys/fs/cgroup/memory.max').trim();
    if (/^\d+$/.test(text)) limit = Number(text); // "max": no limit
  } catch {
    // no cgroup v2 file (not Linux, or cgroup v1): the machine's memory
  }
  return Math.min(total, limit);
}

/** "1 GB", "1.5 GB", "8 GB": a memory size for the start-up log line. */
export function formatMemory(bytes: number): string {
  const gib = bytes / GIB;
  return `${gib >= 10 ? Math.round(gib) : Math.round(gib * 10) / 10} GB`;
}

/** The browser used when CHROMIUM_PATH is not set: the first of `DEFAULTS.chromiumCandidates` installed. */
export function defaultChromium(fileExists: (file: string) => boolean = fs.existsSync): string | undefined {
  return DEFAULTS.chromiumCandidates.find((c) => fileExists(c));
}

/** Parses the environment; throws `ConfigError` listing every problem. */
export function loadConfig(env: Record<string, string | undefined>, options: LoadConfigOptions = {}): Readonly<Config> {
  // Empty values count as unset: `PORT=` in an .env file means "use the default".
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value.trim() !== ''),
  );
  const problems: string[] = [];
  // Malformed variables are named here; the checks across variables below still run on the rest,
  // so one bad value never hides another problem (the README promises every problem at once).
  const malformed = new Set<string>();
  let parsed = EnvSchema.safeParse(present);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? '(environment)');
      malformed.add(name);
      const value = env[name];
      const shown = value === undefined || isSecretName(name) ? '' : ` ${JSON.stringify(value)}`;
      problems.push(`${name}: ${issue.message}${shown ? `, got${shown}` : ''}`);
    }
    // Every variable is checked on its own, so without the malformed ones the rest parses.
    parsed = EnvSchema.safeParse(Object.fromEntries(Object.entries(present).filter(([name]) => !malformed.has(name))));
    if (!parsed.success) throw new ConfigError(problems);
  }
  const e = parsed.data;
  /** A problem of one variable, unless it was already named as malformed. */
  const problem = (name: string, text: string) => {
    if (!malformed.has(name)) problems.push(`${name}: ${text}`);
  };

  // Each platform needs its variables together; half a configuration is a mistake worth naming.
  let slack: SlackConfig | undefined;
  if (e.SLACK_BOT_TOKEN || e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) {
    if (!e.SLACK_BOT_TOKEN) problem('SLACK_BOT_TOKEN', 'required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set');
    // A bot token alone is enough for a worker (it only uses the Web API); the bot itself says
    // at start that it needs SLACK_SIGNING_SECRET (HTTP) or SLACK_APP_TOKEN (Socket Mode).
    if (e.SLACK_BOT_TOKEN) {
      slack = {
        botToken: e.SLACK_BOT_TOKEN,
        signingSecret: e.SLACK_SIGNING_SECRET,
        appToken: e.SLACK_APP_TOKEN,
        apiUrl: withTrailingSlash(e.SLACK_API_URL ?? DEFAULTS.slackApiUrl),
      };
    }
  }

  let discord: DiscordConfig | undefined;
  if (e.DISCORD_TOKEN || e.DISCORD_APPLICATION_ID) {
    if (!e.DISCORD_TOKEN) problem('DISCORD_TOKEN', 'required when DISCORD_APPLICATION_ID is set');
    if (!e.DISCORD_APPLICATION_ID) problem('DISCORD_APPLICATION_ID', 'required when DISCORD_TOKEN is set');
    if (e.DISCORD_TOKEN && e.DISCORD_APPLICATION_ID) {
      discord = {
        token: e.DISCORD_TOKEN,
        applicationId: e.DISCORD_APPLICATION_ID,
        apiUrl: (e.DISCORD_API_URL ?? DEFAULTS.discordApiUrl).replace(/\/+$/, ''),
        guildIds: e.DISCORD_GUILD_IDS,
      };
    }
  }

  const fileExists = options.fileExists ?? ((f: string) => fs.existsSync(f));
  let chromiumPath = e.CHROMIUM_PATH;
  if (chromiumPath !== undefined && !fileExists(chromiumPath)) {
    problem('CHROMIUM_PATH', `no file at ${JSON.stringify(chromiumPath)}`);
  }
  chromiumPath ??= defaultChromium(fileExists);

  let prices: PriceTable = DEFAULT_PRICES;
  if (e.SCRIBE_PRICES_JSON !== undefined) {
    try {
      prices = parsePriceOverrides(e.SCRIBE_PRICES_JSON);
    } catch (err) {
      problem('SCRIBE_PRICES_JSON', (err as Error).message);
    }
  }

  if (problems.length > 0) throw new ConfigError(problems);

  const memoryBytes = e.WORKER_CONCURRENCY === undefined ? (options.memoryBytes ?? machineMemoryBytes)() : 0;
  const workerConcurrency = e.WORKER_CONCURRENCY ?? concurrencyForMemory(memoryBytes);
  const cwd = options.cwd ?? process.cwd();
  const config: Config = {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(cwd, e.SCRIBE_DATA_DIR ?? DEFAULTS.dataDir),
    port: e.PORT ?? DEFAULTS.port,
    metricsPort: e.METRICS_PORT ?? DEFAULTS.metricsPort,
    slack,
    discord,
    anthropic: {
      apiKey: e.ANTHROPIC_API_KEY,
      baseUrl: e.ANTHROPIC_BASE_URL,
      fastModel: e.SCRIBE_FAST_MODEL ?? DEFAULTS.fastModel,
      writerModel: e.SCRIBE_WRITER_MODEL ?? DEFAULTS.writerModel,
    },
    exa: { apiKey: e.EXA_API_KEY, baseUrl: (e.EXA_BASE_URL ?? DEFAULTS.exaBaseUrl).replace(/\/+$/, '') },
    arxivApiUrl: e.ARXIV_API_URL ?? DEFAULTS.arxivApiUrl,
    // Unset: arxiv.org's, or `/a/` on ARXIV_API_URL's origin when that points elsewhere (a mirror, a fake).
    arxivAuthorUrl: withSlash(
      e.ARXIV_AUTHOR_URL ?? (e.ARXIV_API_URL ? `${new URL(e.ARXIV_API_URL).origin}/a/` : DEFAULTS.arxivAuthorUrl),
    ),
    openalex: {
      apiUrl: (e.OPENALEX_API_URL ?? DEFAULTS.openalexApiUrl).replace(/\/+$/, ''),
      apiKey: e.OPENALEX_API_KEY,
    },
    chromiumPath,
    browserPages: e.BROWSER_PAGES ?? pagesForConcurrency(workerConcurrency),
    scrapeAllowHosts: (e.SCRAPE_ALLOW_HOSTS ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter((h) => h !== ''),
    workerConcurrency,
    workerConcurrencyFrom: e.WORKER_CONCURRENCY === undefined ? { memoryBytes } : { variable: true },
    dailyQuota: e.SCRIBE_DAILY_QUOTA ?? DEFAULTS.dailyQuota,
    batchMax: e.SCRIBE_BATCH_MAX ?? DEFAULTS.batchMax,
    followUpDays: e.FOLLOW_UP_DAYS === undefined ? DEFAULTS.followUpDays : Number(e.FOLLOW_UP_DAYS),
    researchCacheTtlMs: parseDuration(e.RESEARCH_CACHE_TTL ?? DEFAULTS.researchCacheTtl) ?? 0,
    researchPagesDeadlineMs: parseDuration(e.RESEARCH_PAGES_DEADLINE ?? DEFAULTS.researchPagesDeadline) ?? 2_500,
    logLevel: (e.LOG_LEVEL ?? DEFAULTS.logLevel) as LogLevel,
    prices,
    dailyBudgetUsd: e.SCRIBE_DAILY_BUDGET_USD === undefined ? undefined : Number(e.SCRIBE_DAILY_BUDGET_USD),
    tracing: e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? { endpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, ''), serviceName: e.OTEL_SERVICE_NAME ?? 'scribe' }
      : undefined,
  };
  return deepFreeze(config);
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** The secret values of a config, for the logger's last-line-of-defence redaction. */
export function secretsOf(config: Config): string[] {
  return [
    config.slack?.botToken,
    config.slack?.signingSecret,
    config.slack?.appToken,
    config.discord?.token,
    config.anthropic.apiKey,
    config.exa.apiKey,
    config.openalex.apiKey,
    config.databaseUrl ? passwordOf(config.databaseUrl) : undefined,
  ].filter((s): s is string => typeof s === 'string' && s.length >= 6);
}

/** Which integrations are configured, and what is missing for the rest (for /health and start-up logs). */
export type IntegrationName = 'slack' | 'discord' | 'anthropic' | 'exa' | 'chromium';

export function integrationsOf(config: Config): Record<IntegrationName, { configured: boolean; missing?: string[] }> {
  return {
    slack: !config.slack
      ? { configured: false, missing: ['SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET or SLACK_APP_TOKEN'] }
      : config.slack.signingSecret || config.slack.appToken
        ? { configured: true }
        : { configured: false, missing: ['SLACK_SIGNING_SECRET or SLACK_APP_TOKEN'] },
    discord: config.discord
      ? { configured: true }
      : { configured: false, missing: ['DISCORD_TOKEN', 'DISCORD_APPLICATION_ID'] },
    anthropic: config.anthropic.apiKey ? { configured: true } : { configured: false, missing: ['ANTHROPIC_API_KEY'] },
    exa: config.exa.apiKey ? { configured: true } : { configured: false, missing: ['EXA_API_KEY'] },
    chromium: config.chromiumPath ? { configured: true } : { configured: false, missing: ['CHROMIUM_PATH'] },
  };
}

function isSecretName(name: string): boolean {
  return /TOKEN|SECRET|KEY|DATABASE_URL/.test(name);
}

function passwordOf(connectionUrl: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(connectionUrl).password);
    return password === '' ? undefined : password;
  } catch {
    return undefined;
  }
}

function withTrailingSlash(u: string): string {
  return u.endsWith('/') ? u : `${u}/`;
}

function deepFreeze<T>(value: T): Readonly<T> {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
