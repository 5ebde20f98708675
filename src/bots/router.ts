/**
 * One `ThreadReporter` for a worker that serves several platforms: each call goes to the
 * reporter of the generation's platform. A generation from a platform this worker has no
 * credentials for fails with a message that says which variables to set.
 */
import { ErrorCode, PermanentError } from '../errors.ts';
import type { ThreadAddress, ThreadReporter } from '../thread/reporter.ts';

export type PlatformReporters = Partial<Record<ThreadAddress['platform'], ThreadReporter>>;

const HINT: Record<ThreadAddress['platform'], string> = {
  slack: 'SLACK_BOT_TOKEN',
  discord: 'DISCORD_TOKEN and DISCORD_APPLICATION_ID',
  cli: 'nothing (CLI generations run in `scribe draft`)',
};

export function routeByPlatform(reporters: PlatformReporters): ThreadReporter {
  const pick = (address: ThreadAddress): ThreadReporter => {
    const reporter = reporters[address.platform];
    if (!reporter) {
      throw new PermanentError(
        ErrorCode.NotConfigured,
        `This worker cannot post to ${address.platform}: set ${HINT[address.platform]} in its environment.`,
      );
    }
    return reporter;
  };
  return {
    progress: (address, view) => pick(address).progress(address, view),
    result: (address, view, options) => pick(address).result(address, view, options),
    failed: (address, failure) => pick(address).failed(address, failure),
    // Both chat reporters post reviews; the terminal never asks for one.
    review: async (address, view) => (await pick(address).review?.(address, view)) ?? { messageIds: [] },
    askIdentity: async (address, view) => (await pick(address).askIdentity?.(address, view)) ?? { messageIds: [] },
    emailText: async (address, text) => pick(address).emailText?.(address, text),
    flush: async (address) => pick(address).flush?.(address),
    followUp: async (address, view) => pick(address).followUp?.(address, view),
  };
}
