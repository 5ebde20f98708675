/**
 * One pino logger for the process, passed down; modules take child loggers tagged with
 * `generationId` and `step`.
 *
 * Secrets are removed twice: known secret-bearing fields are redacted by name (`redactFields`,
 * the line's own fields and two levels into them, headers included), and as a last line of defence
 * every configured secret value is replaced wherever it appears in a line (an SDK error message that
 * echoes a header, a URL with a password in it).
 */
import { getTracer } from './telemetry/tracer.ts';
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

const SECRET_KEY_SET: ReadonlySet<string> = new Set(SECRET_KEYS);
/** Levels below a line's own fields that are searched for secret keys (`a.b.token`: 2). */
const REDACT_DEPTH = 2;

/**
 * `value` with the value of every `SECRET_KEYS` field replaced by `REDACTED`: the line's own fields
 * and `REDACT_DEPTH` levels below them (arrays' items included; `request.headers.authorization` is
 * one of them). What pino's `redact` did with the paths `token`, `*.token`, `*.*.token` and
 * `*.headers.token` for each key, in one walk: @pinojs/redact walked the line once per path (60
 * of them) and cost ~103 µs a line against ~6 µs now (docs/decisions.md, "What was left in the
 * acks"). Never changes what it was given: an object with a secret in it is copied (with its
 * prototype and own properties, so an Error stays an Error for pino's serializer), the rest shared.
 */
export function redactFields<T>(value: T, depth = 0): T {
  if (value === null || typeof value !== 'object' || depth > REDACT_DEPTH) return value;
  let copy: Record<PropertyKey, unknown> | unknown[] | undefined;
  const source = value as Record<string, unknown>;
  for (const key of Object.keys(source)) {
    const field = source[key];
    const next = SECRET_KEY_SET.has(key) && field !== undefined ? REDACTED : redactFields(field, depth + 1);
    if (next === field) continue;
    copy ??= Array.isArray(value)
      ? [...value]
      : (Object.create(Object.getPrototypeOf(value), Object.getOwnPropertyDescriptors(value)) as Record<
          string,
          unknown
        >);
    // Defined, not assigned: a read-only or accessor field of the copy takes the new value too.
    Object.defineProperty(copy, key, { value: next, enumerable: true, writable: true, configurable: true });
  }
  return (copy ?? value) as T;
}

/**
 * Token shapes that must never reach a log (or a chat message) even when we were not told about
 * them. Where a pattern has a capture group, the first one (a key name, a URL's user) is kept.
 */
const TOKEN_PATTERNS: readonly { pattern: RegExp; replace: (match: string, ...groups: string[]) => string }[] = [
  { pattern: /xox[abposr]-[A-Za-z0-9-]{6,}/g, replace: () => REDACTED }, // Slack bot/user tokens
  { pattern: /xapp-[A-Za-z0-9-]{6,}/g, replace: () => REDACTED }, // Slack app-level tokens
  { pattern: /sk-ant-[A-Za-z0-9_-]{6,}/g, replace: () => REDACTED }, // Anthropic keys
  // Discord bot tokens: base64 user id, timestamp, HMAC.
  { pattern: /\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,}/g, replace: () => REDACTED },
  // Passwords in connection URLs.
  { pattern: /(postgres(?:ql)?:\/\/[^:/@\s]+:)[^@\s]+@/g, replace: (_m, prefix = '') => `${prefix}${REDACTED}@` },
  // Credentials an echoing proxy or SDK put into a message: "Bearer …", "x-api-key: …".
  { pattern: /\b(Bearer\s+)[A-Za-z0-9._~+/=-]{6,}/gi, replace: (_m, prefix = '') => `${prefix}${REDACTED}` },
  {
    pattern:
      /\b((?:x-api-key|api[-_]?key|x-goog-api-key|authorization|cookie|set-cookie|password|secret|token)["']?\s*[:=]\s*["']?)(?!Bearer\b|\[redacted\])([^\s"',;]{6,})/gi,
    replace: (_m, prefix = '') => `${prefix}${REDACTED}`,
  },
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

function traceMixin(): { traceId?: string } {
  const traceId = getTracer().traceId();
  return traceId ? { traceId } : {};
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = secretList(options.secrets ?? []);
  const logger = pino(
    {
      level: options.level ?? 'info',
      name: options.name ?? 'scribe',
      // Secret fields by name in each line (see redactFields); a child's bindings below.
      formatters: { log: redactFields },
      serializers: { err: pino.stdSerializers.err, error: pino.stdSerializers.err },
      hooks: { streamWrite: (line) => scrub(line, secrets) },
      // Every line written inside a traced generation carries its trace id (none with tracing off).
      mixin: traceMixin,
    },
    options.destination ?? pino.destination({ dest: options.fd ?? 1, sync: false }),
  );
  // pino serialises a child's bindings once, when the child is made, without the log formatter:
  // they are redacted here. Every logger below this one inherits the method (pino's children are
  // made with Object.create), so grandchildren are covered too.
  const child = logger.child;
  logger.child = function redactedChild(this: Logger, bindings, childOptions) {
    return child.call(this, redactFields(bindings), childOptions);
  } as Logger['child'];
  return logger;
}

/** Secrets worth scrubbing: unique, at least 6 characters, longest first (a secret that contains another is replaced whole). */
function secretList(secrets: readonly string[]): string[] {
  return [...new Set(secrets)].filter((s) => s.length >= 6).sort((a, b) => b.length - a.length);
}

/**
 * Replaces secret values and token-shaped strings in one serialised log line, or any other text
 * (chat-bound messages go through it too, see `src/thread/chat-text.ts`). Pure.
 */
export function scrub(line: string, secrets: readonly string[]): string {
  let out = line;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    // The same secret JSON-escaped (a quote or backslash inside it) must go too.
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret && out.includes(escaped)) out = out.split(escaped).join(REDACTED);
  }
  for (const { pattern, replace } of TOKEN_PATTERNS) {
    out = out.replace(pattern, (match: string, ...groups: unknown[]) =>
      replace(match, ...groups.filter((g): g is string => typeof g === 'string')),
    );
  }
  return out;
}

/** `scrub` with a fixed set of secrets, prepared once: `(text) => text without them`. */
export function createScrubber(secrets: readonly string[]): (text: string) => string {
  const list = secretList(secrets);
  return (text) => scrub(text, list);
}

/** A logger that discards everything (tests and libraries that need one). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
