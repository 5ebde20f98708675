import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  DEFAULTS,
  concurrencyForMemory,
  formatMemory,
  loadConfig,
  machineMemoryBytes,
  parseDuration,
  secretsOf,
} from '../src/config.ts';
import { DEFAULT_PRICES } from '../src/pipeline/prices.ts';

const noFiles = { fileExists: () => false, cwd: '/srv/scribe' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, noFiles);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected loadConfig to throw');
}

describe('loadConfig: cost and telemetry', () => {
  it('prices at the defaults, with no budget and tracing off, when nothing is set', () => {
    const config = loadConfig({}, noFiles);
    expect(config.prices).toEqual(DEFAULT_PRICES);
    expect(config.dailyBudgetUsd).toBeUndefined();
    expect(config.tracing).toBeUndefined();
  });

  it('reads SCRIBE_PRICES_JSON, SCRIBE_DAILY_BUDGET_USD and OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    const config = loadConfig(
      {
        SCRIBE_PRICES_JSON: '{"exaSearch":0.01}',
        SCRIBE_DAILY_BUDGET_USD: '2.50',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/',
        OTEL_SERVICE_NAME: 'scribe-pi',
      },
      noFiles,
    );
    expect(config.prices.exaSearch).toBe(0.01);
    expect(config.prices.models).toEqual(DEFAULT_PRICES.models);
    expect(config.dailyBudgetUsd).toBe(2.5);
    expect(config.tracing).toEqual({ endpoint: 'http://127.0.0.1:4318', serviceName: 'scribe-pi' });
  });

  it('names a bad price table, budget or endpoint', () => {
    const problems = problemsOf({
      SCRIBE_PRICES_JSON: '{"models":{"x":{"input":1}}}',
      SCRIBE_DAILY_BUDGET_USD: 'lots',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url',
    });
    expect(problems.join('\n')).toMatch(/SCRIBE_DAILY_BUDGET_USD/);
    expect(problems.join('\n')).toMatch(/OTEL_EXPORTER_OTLP_ENDPOINT/);
    expect(problemsOf({ SCRIBE_PRICES_JSON: '{"models":{"x":{"input":1}}}' })).toEqual([
      expect.stringMatching(/^SCRIBE_PRICES_JSON: models\.x\.output/),
    ]);
  });
});

describe('loadConfig', () => {
  it('gives every default for an empty environment', () => {
    const config = loadConfig({}, noFiles);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe('/srv/scribe/.data');
    expect(config.port).toBe(3000);
    expect(config.metricsPort).toBe(9464);
    expect(config.slack).toBeUndefined();
    expect(config.discord).toBeUndefined();
    expect(config.anthropic).toEqual({
      apiKey: undefined,
      baseUrl: undefined,
      fastModel: DEFAULTS.fastModel,
      writerModel: DEFAULTS.writerModel,
    });
    expect(config.exa.baseUrl).toBe('https://api.exa.ai');
    expect(config.arxivApiUrl).toBe('https://export.arxiv.org/api/query');
    expect(config.arxivAuthorUrl).toBe('https://arxiv.org/a/');
    expect(config.chromiumPath).toBeUndefined();
    expect(config.scrapeAllowHosts).toEqual([]);
    expect(config.workerConcurrency).toBe(concurrencyForMemory(machineMemoryBytes()));
    expect(config.dailyQuota).toBe(20);
    expect(config.researchCacheTtlMs).toBe(24 * 3600 * 1000);
    expect(config.researchPagesDeadlineMs).toBe(2_500);
    expect(config.logLevel).toBe('info');
  });

  it("finds arXiv's author feeds beside ARXIV_API_URL when it points elsewhere, unless ARXIV_AUTHOR_URL says", () => {
    expect(loadConfig({ ARXIV_API_URL: 'http://127.0.0.1:4000/api/query' }).arxivAuthorUrl).toBe(
      'http://127.0.0.1:4000/a/',
    );
    expect(
      loadConfig({ ARXIV_API_URL: 'http://127.0.0.1:4000/api/query', ARXIV_AUTHOR_URL: 'https://mirror.example/a' })
        .arxivAuthorUrl,
    ).toBe('https://mirror.example/a/');
  });

  it('reads every variable', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgres://u:p@db:5432/scribe',
        SCRIBE_DATA_DIR: '/var/lib/scribe',
        PORT: '8080',
        METRICS_PORT: '9100',
        SLACK_BOT_TOKEN: 'xoxb-1-2-abc',
        SLACK_SIGNING_SECRET: 'shh-secret',
        SLACK_APP_TOKEN: 'xapp-1-A-abc',
        SLACK_API_URL: 'http://127.0.0.1:9000/api',
        DISCORD_TOKEN: 'discord-token',
        DISCORD_APPLICATION_ID: '123456789012345678',
        DISCORD_API_URL: 'http://127.0.0.1:9001/api/',
        ANTHROPIC_API_KEY: 'sk-ant-test',
        ANTHROPIC_BASE_URL: 'http://127.0.0.1:9002',
        SCRIBE_FAST_MODEL: 'fast-model',
        SCRIBE_WRITER_MODEL: 'writer-model',
        EXA_API_KEY: 'exa-key',
        EXA_BASE_URL: 'http://127.0.0.1:9003/',
        ARXIV_API_URL: 'http://127.0.0.1:9004/api/query',
        CHROMIUM_PATH: '/opt/chromium',
        SCRAPE_ALLOW_HOSTS: '127.0.0.1, LocalHost',
        WORKER_CONCURRENCY: '4',
        SCRIBE_DAILY_QUOTA: '5',
        RESEARCH_CACHE_TTL: '30m',
        LOG_LEVEL: 'debug',
      },
      { fileExists: (f) => f === '/opt/chromium' },
    );
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/scribe');
    expect(config.dataDir).toBe('/var/lib/scribe');
    expect(config.port).toBe(8080);
    expect(config.metricsPort).toBe(9100);
    expect(config.slack).toEqual({
      botToken: 'xoxb-1-2-abc',
      signingSecret: 'shh-secret',
      appToken: 'xapp-1-A-abc',
      apiUrl: 'http://127.0.0.1:9000/api/',
    });
    expect(config.discord).toEqual({
      token: 'discord-token',
      applicationId: '123456789012345678',
      apiUrl: 'http://127.0.0.1:9001/api',
    });
    expect(config.anthropic.fastModel).toBe('fast-model');
    expect(config.exa.baseUrl).toBe('http://127.0.0.1:9003');
    expect(config.chromiumPath).toBe('/opt/chromium');
    expect(config.scrapeAllowHosts).toEqual(['127.0.0.1', 'localhost']);
    expect(config.workerConcurrency).toBe(4);
    expect(config.dailyQuota).toBe(5);
    expect(config.researchCacheTtlMs).toBe(30 * 60 * 1000);
    expect(loadConfig({ RESEARCH_PAGES_DEADLINE: '800ms' }).researchPagesDeadlineMs).toBe(800);
    expect(loadConfig({ RESEARCH_PAGES_DEADLINE: '4s' }).researchPagesDeadlineMs).toBe(4_000);
    // Unset: two pages at once for a worker running several generations at once, one for one.
    expect(loadConfig({}, noFiles).browserPages).toBe(2);
    expect(loadConfig({ WORKER_CONCURRENCY: '2' }, noFiles).browserPages).toBe(2);
    expect(loadConfig({ WORKER_CONCURRENCY: '1' }, noFiles).browserPages).toBe(1);
    expect(loadConfig({ BROWSER_PAGES: '4' }, noFiles).browserPages).toBe(4);
    expect(loadConfig({ BROWSER_PAGES: '1', WORKER_CONCURRENCY: '8' }, noFiles).browserPages).toBe(1);
    expect(config.logLevel).toBe('debug');
  });

  it('accepts a bot token alone (a worker needs only the Web API)', () => {
    expect(loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1' }, noFiles).slack).toMatchObject({
      botToken: 'xoxb-1',
      signingSecret: undefined,
      appToken: undefined,
    });
  });

  it('finds Chromium at its Debian path when CHROMIUM_PATH is unset', () => {
    const config = loadConfig({}, { fileExists: (f) => f === '/usr/bin/chromium' });
    expect(config.chromiumPath).toBe('/usr/bin/chromium');
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ PORT: '', SLACK_BOT_TOKEN: '  ', DATABASE_URL: '' }, noFiles);
    expect(config.port).toBe(3000);
    expect(config.slack).toBeUndefined();
    expect(config.databaseUrl).toBeUndefined();
  });

  it('returns a frozen config', () => {
    const config = loadConfig({}, noFiles);
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.anthropic)).toBe(true);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL: expected a postgres:// or postgresql:// connection URL'],
    [{ PORT: 'eighty' }, 'PORT: expected a whole number from 0 to 65535, got "eighty"'],
    [{ PORT: '70000' }, 'PORT: expected a whole number from 0 to 65535, got "70000"'],
    [
      { SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_SIGNING_SECRET: 's' },
      'SLACK_BOT_TOKEN: expected a bot token starting with "xoxb-"',
    ],
    [
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' },
      'SLACK_APP_TOKEN: expected an app-level token starting with "xapp-"',
    ],
    [
      { SLACK_API_URL: 'not a url' },
      'SLACK_API_URL: expected the Slack Web API base (an absolute URL), got "not a url"',
    ],
    [
      { DISCORD_API_URL: 'discord' },
      'DISCORD_API_URL: expected the Discord REST base (an absolute URL), got "discord"',
    ],
    [
      { DISCORD_TOKEN: 't', DISCORD_APPLICATION_ID: 'my-app' },
      'DISCORD_APPLICATION_ID: expected the numeric application id (a snowflake), got "my-app"',
    ],
    [{ ANTHROPIC_BASE_URL: '/v1' }, 'ANTHROPIC_BASE_URL: expected the Anthropic API base (an absolute URL), got "/v1"'],
    [{ EXA_BASE_URL: 'exa' }, 'EXA_BASE_URL: expected the Exa API base (an absolute URL), got "exa"'],
    [{ ARXIV_API_URL: 'arxiv' }, 'ARXIV_API_URL: expected the arXiv API query URL (an absolute URL), got "arxiv"'],
    [{ WORKER_CONCURRENCY: '0' }, 'WORKER_CONCURRENCY: expected a whole number from 1 to 64, got "0"'],
    [{ WORKER_CONCURRENCY: '2.5' }, 'WORKER_CONCURRENCY: expected a whole number from 1 to 64, got "2.5"'],
    [{ BROWSER_PAGES: '0' }, 'BROWSER_PAGES: expected a whole number from 1 to 16, got "0"'],
    [{ SCRIBE_DAILY_QUOTA: '-1' }, 'SCRIBE_DAILY_QUOTA: expected a whole number from 0 to 1000000, got "-1"'],
    [
      { RESEARCH_CACHE_TTL: 'a day' },
      'RESEARCH_CACHE_TTL: expected a duration such as 24h, 30m, 90s or 7d, got "a day"',
    ],
    [
      { RESEARCH_PAGES_DEADLINE: 'soon' },
      'RESEARCH_PAGES_DEADLINE: expected a duration from 100ms to 10m, such as 2.5s or 800ms, got "soon"',
    ],
    [
      { RESEARCH_PAGES_DEADLINE: '20ms' },
      'RESEARCH_PAGES_DEADLINE: expected a duration from 100ms to 10m, such as 2.5s or 800ms, got "20ms"',
    ],
    [
      { LOG_LEVEL: 'verbose' },
      'LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ],
    [{ CHROMIUM_PATH: '/nope/chromium' }, 'CHROMIUM_PATH: no file at "/nope/chromium"'],
    [{ SLACK_SIGNING_SECRET: 'abc' }, 'SLACK_BOT_TOKEN: required when SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set'],
    [{ DISCORD_TOKEN: 'abc' }, 'DISCORD_APPLICATION_ID: required when DISCORD_TOKEN is set'],
    [{ DISCORD_APPLICATION_ID: '123456789' }, 'DISCORD_TOKEN: required when DISCORD_APPLICATION_ID is set'],
  ])('names the variable and what was expected: %j', (env, problem) => {
    expect(problemsOf(env)).toEqual([problem]);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ PORT: 'x', LOG_LEVEL: 'loud', WORKER_CONCURRENCY: '0', SLACK_API_URL: 'nope' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(
      ['LOG_LEVEL', 'PORT', 'SLACK_API_URL', 'WORKER_CONCURRENCY'].sort(),
    );
  });

  it('lists the checks across variables too when a value is malformed', () => {
    // A malformed PORT once stopped the checking there: the half-set Discord, the missing browser
    // and the bad price table were only named on the next try.
    expect(
      problemsOf({
        PORT: 'abc',
        DISCORD_TOKEN: 'abc',
        CHROMIUM_PATH: '/nope/chromium',
        SCRIBE_PRICES_JSON: '{"models":{"x":{"input":1}}}',
      }),
    ).toEqual([
      'PORT: expected a whole number from 0 to 65535, got "abc"',
      'DISCORD_APPLICATION_ID: required when DISCORD_TOKEN is set',
      'CHROMIUM_PATH: no file at "/nope/chromium"',
      expect.stringMatching(/^SCRIBE_PRICES_JSON: models\.x\.output/),
    ]);
  });

  it('names a malformed variable once, not again as missing for another', () => {
    expect(problemsOf({ DISCORD_TOKEN: 'abc', DISCORD_APPLICATION_ID: 'not-a-snowflake' })).toEqual([
      'DISCORD_APPLICATION_ID: expected the numeric application id (a snowflake), got "not-a-snowflake"',
    ]);
    expect(problemsOf({ SLACK_BOT_TOKEN: 'xoxp-user', SLACK_SIGNING_SECRET: 's3cret' })).toEqual([
      'SLACK_BOT_TOKEN: expected a bot token starting with "xoxb-"',
    ]);
  });

  it('never echoes a secret value in a problem', () => {
    const problems = problemsOf({ SLACK_BOT_TOKEN: 'xoxp-very-secret-user-token', SLACK_SIGNING_SECRET: 's' });
    expect(problems.join('\n')).not.toContain('very-secret');
  });

  it('lists the secret values for log redaction', () => {
    const config = loadConfig(
      {
        DATABASE_URL: 'postgres://scribe:db-password@db/scribe',
        SLACK_BOT_TOKEN: 'xoxb-bot-token',
        SLACK_SIGNING_SECRET: 'signing-secret',
        ANTHROPIC_API_KEY: 'sk-ant-key-123',
        EXA_API_KEY: 'exa-key-123',
      },
      noFiles,
    );
    expect(secretsOf(config).sort()).toEqual(
      ['db-password', 'xoxb-bot-token', 'signing-secret', 'sk-ant-key-123', 'exa-key-123'].sort(),
    );
  });
});

describe('parseDuration', () => {
  it.each([
    ['24h', 86_400_000],
    ['30m', 1_800_000],
    ['90s', 90_000],
    ['7d', 604_800_000],
    ['500ms', 500],
    ['60', 60_000],
    ['1.5h', 5_400_000],
  ])('%s → %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'h', '1 week', '-5m'])('rejects %j', (text) => expect(parseDuration(text)).toBeUndefined());
});

describe('loadConfig: OpenAlex', () => {
  it('defaults to the public API without a key, and keeps a key secret', () => {
    expect(loadConfig({}, noFiles).openalex).toEqual({ apiUrl: 'https://api.openalex.org', apiKey: undefined });
    const config = loadConfig(
      { OPENALEX_API_URL: 'http://127.0.0.1:9999/', OPENALEX_API_KEY: 'oa-secret-key' },
      noFiles,
    );
    expect(config.openalex).toEqual({ apiUrl: 'http://127.0.0.1:9999', apiKey: 'oa-secret-key' });
    expect(secretsOf(config)).toContain('oa-secret-key');
    expect(problemsOf({ OPENALEX_API_URL: 'api.openalex.org' })).toEqual([
      'OPENALEX_API_URL: expected the OpenAlex API base (an absolute URL), got "api.openalex.org"',
    ]);
  });
});

describe("loadConfig: WORKER_CONCURRENCY from the machine's memory", () => {
  const GB = 1024 ** 3;
  const onBox = (bytes: number, env: Record<string, string> = {}) =>
    loadConfig(env, { ...noFiles, memoryBytes: () => bytes });

  it('chooses the concurrency that fits 1, 2, 4 and 8 GB when the variable is unset', () => {
    // A "1 GB" Pi reports a little less (the kernel and the GPU keep some).
    expect(onBox(0.9 * GB).workerConcurrency).toBe(4);
    expect(onBox(1 * GB).workerConcurrency).toBe(4);
    expect(onBox(1.9 * GB).workerConcurrency).toBe(4);
    expect(onBox(3.8 * GB).workerConcurrency).toBe(4);
    expect(onBox(7.8 * GB).workerConcurrency).toBe(8);
    expect(onBox(64 * GB).workerConcurrency).toBe(8);
    expect(onBox(0.5 * GB).workerConcurrency).toBe(concurrencyForMemory(0.5 * GB));
    expect(onBox(1 * GB).workerConcurrencyFrom).toEqual({ memoryBytes: GB });
  });

  it('keeps a value that is set, whatever the memory', () => {
    const config = onBox(1 * GB, { WORKER_CONCURRENCY: '2' });
    expect(config.workerConcurrency).toBe(2);
    expect(config.workerConcurrencyFrom).toEqual({ variable: true });
  });

  it('reads a cgroup limit below the machine\'s memory, and ignores "max"', () => {
    const cgroup = (text: string) => (file: string) => {
      expect(file).toBe('/sys/fs/cgroup/memory.max');
      return `${text}\n`;
    };
    expect(machineMemoryBytes(cgroup(String(GB)), 8 * GB)).toBe(GB);
    expect(machineMemoryBytes(cgroup('max'), 8 * GB)).toBe(8 * GB);
    expect(machineMemoryBytes(cgroup(String(16 * GB)), 8 * GB)).toBe(8 * GB);
    const none = () => {
      throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
    };
    expect(machineMemoryBytes(none, 2 * GB)).toBe(2 * GB);
  });

  it('words the memory for the start-up line', () => {
    expect(formatMemory(GB)).toBe('1 GB');
    expect(formatMemory(0.93 * GB)).toBe('0.9 GB');
    expect(formatMemory(23.5 * GB)).toBe('24 GB');
  });
});
