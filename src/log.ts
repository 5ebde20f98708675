/**
 * One pino logger for the process, passed down; modules take child loggers tagged with
 * `generationId` and `step`.
 *
 * Secrets are removed twice: known secret-bearing fields are redacted by path, and as a last line
 * of defence every configured secret value is replaced wherever it appears in a line (an SDK error
 * message that echoes a header, a URL with a password in it).
 */
import pino, { type Logger, type DestinationStream } from 'pino';

export type { Logger } from 'pino';

export const REDACTED = '[redacted]';

/** Field names whose values are secrets, wherever they appear (two levels deep, and in headers). */
const SECRET_KEYS = [
  'token',
  'botToken',
  'appToken',
  'accessToken',
  'apiKey',
  'api_key',
  'signingSecret',
  'secret',
  'password',
  'authorization',
  'Authorization',
  'x-api-key',
  'cookie',
  'databaseUrl',
  'connectionString',
];

export const REDACT_PATHS: string[] = [
  ...SECRET_KEYS.map((k) => (k.includes('-') ? `["${k}"]` : k)),
  ...SECRET_KEYS.map((k) => (k.includes('-') ? `*["${k}"]` : `*.${k}`)),
  ...SECRET_KEYS.map((k) => (k.includes('-') ? `*.*["${k}"]` : `*.*.${k}`)),
  ...SECRET_KEYS.map((k) => (k.includes('-') ? `*.headers["${k}"]` : `*.headers.${k}`)),
];

/** Token shapes that must never reach a log even when we were not told about them. */
const TOKEN_PATTERNS: RegExp[] = [
  /xox[abposr]-[A-Za-z0-9-]{6,}/g, // Slack bot/user tokens
  /xapp-[A-Za-z0-9-]{6,}/g, // Slack app-level tokens
  /sk-ant-[A-Za-z0-9_-]{6,}/g, // Anthropic keys
  /(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, // passwords in connection URLs
];

export interface CreateLoggerOptions {
  level?: string;
  /** Secret values to scrub from every line, whatever field they hide in. */
  secrets?: readonly string[];
  /** Where lines go. Default: file descriptor `fd`. */
  destination?: DestinationStream;
  /** 1 (stdout, the default) or 2 (stderr). */
  fd?: 1 | 2;
  name?: string;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = [...new Set(options.secrets ?? [])].filter((s) => s.length >= 6);
  // Longest first, so a secret that contains another is replaced whole.
  secrets.sort((a, b) => b.length - a.length);
  return pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'scribe',
      redact: { paths: REDACT_PATHS, censor: REDACTED },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      hooks: { streamWrite: (line) => scrub(line, secrets) },
    },
    options.destination ?? pino.destination({ dest: options.fd ?? 1, sync: false }),
  );
}

/** Replaces secret values and token-shaped strings in one serialised log line. */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // The same secret JSON-escaped (a quote or backslash inside it) must go too.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
  }
  for (const pattern of TOKEN_PATTERNS) {
    out = out.replace(pattern, (match, prefix: unknown) =>
      typeof prefix === 'string' && match.startsWith(prefix) ? `${prefix}${REDACTED}@` : REDACTED,
    );
  }
  return out;
}

/** A logger that discards everything (tests and libraries that need one). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
