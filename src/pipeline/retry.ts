/**
 * The pipeline's single retry policy: transient failures (`RetryableError`) are tried again with
 * exponential backoff and full jitter, waiting at least as long as the service asked
 * (`retryAfterMs`); anything else fails at once.
 */
import { ErrorCode, RetryableError } from '../errors.ts';

export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export interface RetryPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  /** Backoff cap before jitter for the first retry; doubles each time. */
  baseMs: number;
  /** Largest backoff before jitter. */
  maxMs: number;
  /**
   * Longest `retryAfterMs` we wait for inside a run. A service asking for more gives up at once:
   * the job queue's own retry picks the run up later, from its saved steps, without holding a
   * worker slot meanwhile.
   */
  maxRetryAfterMs: number;
  sleep: Sleep;
  /** Uniform in [0, 1). */
  random: () => number;
}

export interface RetryInfo {
  /** The attempt about to be made (2 for the first retry). */
  attempt: number;
  delayMs: number;
  error: RetryableError;
}

export interface RetryOptions extends Partial<RetryPolicy> {
  onRetry?: ((info: RetryInfo) => void) | undefined;
  signal?: AbortSignal | undefined;
}

/** An abortable timer. Rejects with the signal's reason when aborted. */
export const sleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

export const DEFAULT_RETRY_POLICY = {
  attempts: 3,
  baseMs: 1_000,
  maxMs: 15_000,
  maxRetryAfterMs: 60_000,
  sleep,
  random: Math.random,
} as const satisfies RetryPolicy;

/**
 * Delay before retry number `retry` (1 for the first): full jitter over
 * `min(maxMs, baseMs · 2^(retry−1))`, but never less than the service's `retryAfterMs`.
 */
export function backoffDelay(
  retry: number,
  policy: Pick<RetryPolicy, 'baseMs' | 'maxMs' | 'random'>,
  retryAfterMs?: number,
): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  const jittered = Math.floor(policy.random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** The error a run throws when its signal is aborted (worker shutting down): the next try resumes. */
export function interrupted(): RetryableError {
  return new RetryableError(
    ErrorCode.Internal,
    'The run was interrupted (the worker stopped, or another took the job over); it will resume from the last finished step.',
  );
}

/** Calls `fn` until it succeeds, throws a non-retryable error, or runs out of attempts. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(options) };
  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw interrupted();
    try {
      return await fn(attempt);
    } catch (err) {
      if (!(err instanceof RetryableError) || attempt >= policy.attempts) throw err;
      if (err.retryAfterMs !== undefined && err.retryAfterMs > policy.maxRetryAfterMs) throw err;
      if (options.signal?.aborted) throw interrupted();
      const delayMs = backoffDelay(attempt, policy, err.retryAfterMs);
      options.onRetry?.({ attempt: attempt + 1, delayMs, error: err });
      try {
        await policy.sleep(delayMs, options.signal);
      } catch {
        throw interrupted();
      }
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
