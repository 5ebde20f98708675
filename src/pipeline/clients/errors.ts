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

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

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
    return new PermanentError(ErrorCode.ServiceRejected, `${service} rejected our credentials (${status})${check}`, base);
  }
  return new PermanentError(ErrorCode.ServiceRejected, `${service} refused the request (${status})${detail}`, base);
}

export function timeoutError(service: string, ms: number, cause?: unknown): RetryableError {
  return new RetryableError(ErrorCode.Timeout, `${service} did not answer within ${Math.round(ms / 1000)} s`, {
    service,
    cause,
  });
}

/** Runs `fn` with a deadline; on expiry the returned promise rejects with a Timeout error. */
export async function withTimeout<T>(service: string, ms: number, fn: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<T> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(controller.signal),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          controller.abort();
          reject(timeoutError(service, ms));
        }, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onAbort);
  }
}
