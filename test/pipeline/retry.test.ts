import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, PermanentError, RetryableError } from '../../src/errors.ts';
import { backoffDelay, withRetry, type RetryInfo } from '../../src/pipeline/retry.ts';

const busy = (retryAfterMs?: number) =>
  new RetryableError(ErrorCode.ServiceUnavailable, 'Exa is overloaded (529)', {
    service: 'Exa',
    status: 529,
    retryAfterMs,
  });

function recorder() {
  const sleeps: number[] = [];
  const retries: RetryInfo[] = [];
  return {
    sleeps,
    retries,
    options: {
      baseMs: 100,
      maxMs: 1_000,
      random: () => 0.5,
      sleep: async (ms: number) => void sleeps.push(ms),
      onRetry: (info: RetryInfo) => void retries.push(info),
    },
  };
}

describe('backoffDelay', () => {
  it('is full jitter over an exponential ceiling capped at maxMs', () => {
    const policy = { baseMs: 100, maxMs: 1_000, random: () => 0.999 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, policy))).toEqual([99, 199, 399, 799, 999]);
    expect(backoffDelay(3, { ...policy, random: () => 0 })).toBe(0);
  });

  it('never waits less than the service asked for', () => {
    expect(backoffDelay(1, { baseMs: 100, maxMs: 1_000, random: () => 0.5 }, 2_500)).toBe(2_500);
  });
});

describe('withRetry', () => {
  it('retries a RetryableError and returns the later success, reporting each retry', async () => {
    const r = recorder();
    const fn = vi.fn().mockRejectedValueOnce(busy()).mockRejectedValueOnce(busy()).mockResolvedValue('ok');
    await expect(withRetry(fn, r.options)).resolves.toBe('ok');
    expect(fn).toHaveBeenCalledTimes(3);
    expect(r.sleeps).toEqual([50, 100]);
    expect(r.retries.map((i) => [i.attempt, i.delayMs])).toEqual([
      [2, 50],
      [3, 100],
    ]);
  });

  it('respects retryAfterMs', async () => {
    const r = recorder();
    const fn = vi.fn().mockRejectedValueOnce(busy(3_000)).mockResolvedValue('ok');
    await withRetry(fn, r.options);
    expect(r.sleeps).toEqual([3_000]);
  });

  it('gives up at once when the service asks for a longer wait than we hold a worker for', async () => {
    const r = recorder();
    const error = busy(120_000);
    const fn = vi.fn().mockRejectedValue(error);
    await expect(withRetry(fn, { ...r.options, maxRetryAfterMs: 60_000 })).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('fails at once on a permanent error', async () => {
    const r = recorder();
    const error = new PermanentError(
      ErrorCode.ServiceRejected,
      'Anthropic rejected the API key (401): check ANTHROPIC_API_KEY',
    );
    const fn = vi.fn().mockRejectedValue(error);
    await expect(withRetry(fn, r.options)).rejects.toBe(error);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(r.sleeps).toEqual([]);
  });

  it('throws the last error after the given number of attempts', async () => {
    const r = recorder();
    const last = busy();
    const fn = vi.fn().mockRejectedValueOnce(busy()).mockRejectedValueOnce(busy()).mockRejectedValueOnce(last);
    await expect(withRetry(fn, { ...r.options, attempts: 3 })).rejects.toBe(last);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it('stops waiting when the signal is aborted, with a retryable "interrupted" error', async () => {
    const controller = new AbortController();
    const fn = vi.fn().mockRejectedValue(busy());
    const run = withRetry(fn, { baseMs: 60_000, maxMs: 60_000, random: () => 1, signal: controller.signal });
    setImmediate(() => controller.abort(new Error('shutting down')));
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect((error as Error).message).toMatch(/interrupted/);
    expect(fn).toHaveBeenCalledTimes(1);
  });
});
