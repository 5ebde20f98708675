/**
 * One place that turns an external service's answer into Scribe's error vocabulary: 429, 5xx,
 * 529 and network failures may pass (RetryableError); 401/403 and other 4xx will not
 * (PermanentError), with a message that names the service and what to check.
 */
import { ErrorCode, PermanentError, RetryableError, type ScribeError } from '../../errors.ts';

export interface HttpFailure {
  service: string;
  status: number | undefined;
  /** The service's own words, when it gave any. */
  detail?: string | undefined;
  retryAfterMs?: number | undefined;
  /** The environment variable holding the credentials, for 401/403 messages. */
  credentialVar?: string | undefined;
  cause?: unknown;
}

/**
 * How long the service asked us to wait: `retry-after-ms` (Anthropic's precise form) when given,
 * else Retry-After as seconds or an HTTP date; undefined when absent or unreadable.
 */
export function retryAfterFrom(
  headers: { get(name: string): string | null } | undefined,
  now = Date.now(),
): number | undefined {
  const ms = Number(headers?.get('retry-after-ms') ?? Number.NaN);
  if (Number.isFinite(ms) && ms >= 0) return Math.round(ms);
  return parseRetryAfter(headers?.get('retry-after'), now);
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** The error for a request that got no answer at all (refused, reset, DNS, TLS): retryable. */
export function networkFailure(service: string, err: unknown): ScribeError {
  return classifyHttpFailure({ service, status: undefined, detail: describeNetworkError(err), cause: err });
}

/** The error for an HTTP answer that was not a success, or for no answer at all (`status` undefined). */
export function classifyHttpFailure(f: HttpFailure): ScribeError {
  const { service, status } = f;
  const detail = f.detail ? `: ${f.detail.slice(0, 200)}` : '';
  const base = { service, status, cause: f.cause };
  if (status === undefined) {
    return new RetryableError(ErrorCode.ServiceUnavailable, `${service} could not be reached${detail}`, base);
  }
  if (status === 429) {
    return new RetryableError(ErrorCode.RateLimited, `${service} is rate limiting us (429)${detail}`, {
      ...base,
      retryAfterMs: f.retryAfterMs,
    });
  }
  if (status === 408 || status === 425 || status >= 500) {
    const what = status === 529 ? 'is overloaded (529)' : `answered ${status}`;
    return new RetryableError(ErrorCode.ServiceUnavailable, `${service} ${what}${detail}`, {
      ...base,
      retryAfterMs: f.retryAfterMs,
    });
  }
  if (status === 401 || status === 403) {
    const check = f.credentialVar ? `: check ${f.credentialVar}` : '';
    return new PermanentError(
      ErrorCode.ServiceRejected,
      `${service} rejected our credentials (${status})${check}`,
      base,
    );
  }
  return new PermanentError(ErrorCode.ServiceRejected, `${service} refused the request (${status})${detail}`, base);
}

/** "did not answer within N s" as a retryable Timeout. */
export function timeoutError(service: string, ms: number, cause?: unknown): RetryableError {
  return new RetryableError(ErrorCode.Timeout, `${service} did not answer within ${formatDuration(ms)}`, {
    service,
    cause,
  });
}

/**
 * Runs `fn` with a deadline: on expiry the signal given to `fn` aborts and the promise rejects with
 * a retryable Timeout at once, even when `fn` ignores its signal (exa-js does). The caller's own
 * signal rejects it at once too ("cancelled").
 */
export async function withTimeout<T>(
  service: string,
  ms: number,
  fn: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const stopped = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = timeoutError(service, ms);
      controller.abort(err);
      reject(err);
    }, ms);
    onAbort = () => {
      controller.abort(outer?.reason);
      reject(
        new RetryableError(ErrorCode.ServiceUnavailable, `${service} request was cancelled`, {
          service,
          cause: outer?.reason,
        }),
      );
    };
    if (outer?.aborted) onAbort();
    else outer?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([fn(controller.signal), stopped]);
  } finally {
    clearTimeout(timer);
    if (onAbort) outer?.removeEventListener('abort', onAbort);
  }
}

/** "300 ms", "1.5 s", "15 s": how long, for people. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'its host name does not resolve',
  EAI_AGAIN: 'its host name could not be resolved just now',
  UND_ERR_SOCKET: 'the connection was closed unexpectedly',
  CERT_HAS_EXPIRED: 'its certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its certificate is for another site',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its certificate is self-signed',
};

/**
 * A network failure in plain words. fetch and the SDKs wrap the socket's error ("fetch failed",
 * "Connection error.") with the reason in `cause`: the innermost error with a known code wins.
 */
export function describeNetworkError(err: unknown): string {
  let current: unknown = err;
  let innermost = err;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code =
      current && typeof current === 'object' && 'code' in current && typeof current.code === 'string'
        ? current.code
        : undefined;
    if (code && NETWORK_CODES[code]) return NETWORK_CODES[code];
    innermost = current;
    current = current instanceof Error ? current.cause : undefined;
  }
  return innermost instanceof Error ? innermost.message : String(innermost);
}
