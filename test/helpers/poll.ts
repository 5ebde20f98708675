/**
 * Waiting for a value with vitest's `expect.poll`: the first truthy answer of `get`, re-asked until
 * the timeout (then the test fails, naming `message`). For tests that need what they waited for —
 * a row, a message — rather than only that it came.
 */
import { expect } from 'vitest';

export async function pollFor<T>(
  get: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: { message: string; timeout?: number; interval?: number },
): Promise<T> {
  let value: T | undefined | null | false;
  await expect
    .poll(
      async () => {
        value = await get();
        return value;
      },
      { timeout: 10_000, ...options },
    )
    .toBeTruthy();
  return value as T;
}
