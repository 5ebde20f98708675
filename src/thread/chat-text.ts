/**
 * Text built from errors, made fit for a chat thread. Error messages can carry what the person in
 * the thread must never see: a configured secret or a token an upstream proxy echoed back, an
 * internal host or address, a path on the worker's disk. Every chat-bound failure, retry reason,
 * step note and warning goes through `createChatScrubber` (the log scrubber, plus internal
 * addresses and paths, which logs keep because operators need them); an error that is not one of
 * ours becomes a generic sentence with a reference to find it in the logs.
 */
import net from 'node:net';
import { ErrorCode, RetryableError, ScribeError } from '../errors.ts';
import { REDACTED, createScrubber } from '../log.ts';
import { isPublicAddress } from '../pipeline/clients/ssrf.ts';
import type { ProgressView, StepView } from './reporter.ts';

export const INTERNAL_ADDRESS = '[internal address]';
export const INTERNAL_PATH = '[path]';

/** Host names that only mean something inside a network. */
const INTERNAL_NAME =
  /^(?:localhost|[a-z0-9-]+|.+\.(?:internal|local|localhost|localdomain|lan|corp|intranet|home|home\.arpa|svc|cluster\.local))$/i;

/** True for a host (name or address literal) that is not a public internet host. */
function isInternalHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (bare === '') return true;
  if (net.isIP(bare) !== 0) return !isPublicAddress(bare);
  return INTERNAL_NAME.test(bare);
}

const URL_LIKE = /\b[a-z][a-z0-9+.-]*:\/\/[^\s<>"'`)]*/gi;
const IPV4 = /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?(?![\w.]*\w)/g;
const IPV6 = /\[[0-9a-f:.]{2,45}\](?::\d{1,5})?|(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f.]{0,15}(?![\w:])/gi;
const INTERNAL_NAMED_HOST =
  /(?<![\w.-])(?:localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:internal|local|localhost|localdomain|lan|corp|intranet|home\.arpa|svc|cluster\.local))(?::\d{1,5})?(?![\w.-]*\w)/gi;
// Absolute paths of two segments or more (/home/scribe/src/x.ts, C:\srv\app), not "and/or" or a URL's path.
const UNIX_PATH = /(?<![\w.~:/\\-])\/(?:[\w.@+-]+\/)+[\w.@+-]*/g;
const WINDOWS_PATH = /\b[A-Za-z]:\\(?:[^\s\\"'<>|]+\\?)+/g;

function hostOfUrlLike(candidate: string): string | undefined {
  try {
    const url = new URL(candidate);
    if (url.protocol === 'file:') return '';
    return url.hostname;
  } catch {
    // Not parseable as a URL: judge the authority by hand.
    return /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(candidate)?.[1];
  }
}

/**
 * The scrubber for chat-bound text: configured secrets and token shapes (as in the logs), then
 * URLs to internal hosts, private/loopback/link-local address literals, internal host names
 * (`db.internal`, `localhost:5432`) and absolute file paths. Public URLs and hosts are kept: a
 * warning that a public page could not be read should still say which.
 */
export function createChatScrubber(secrets: readonly string[]): (text: string) => string {
  const scrubSecrets = createScrubber(secrets);
  const long = secrets.filter((s) => s.length > 6);
  return (text) =>
    withoutCutSecrets(scrubSecrets(text), long)
      .replace(URL_LIKE, (url) => {
        const host = hostOfUrlLike(url);
        return host === undefined || isInternalHost(host) ? INTERNAL_ADDRESS : url;
      })
      .replace(IPV4, (literal) => (isInternalHost(literal.replace(/:\d+$/, '')) ? INTERNAL_ADDRESS : literal))
      .replace(IPV6, (literal) => {
        const host = literal.startsWith('[') ? literal.slice(1, literal.indexOf(']')) : literal;
        return net.isIP(host) === 6 && !isPublicAddress(host) ? INTERNAL_ADDRESS : literal;
      })
      .replace(INTERNAL_NAMED_HOST, INTERNAL_ADDRESS)
      .replace(UNIX_PATH, INTERNAL_PATH)
      .replace(WINDOWS_PATH, INTERNAL_PATH);
}

/**
 * Messages are shortened for the thread ("…"), which can cut a secret so that it no longer
 * matches whole: a secret's first 6+ characters right before an ellipsis go too.
 */
function withoutCutSecrets(text: string, secrets: readonly string[]): string {
  if (!text.includes('…')) return text;
  let out = text;
  for (const secret of secrets) {
    for (let k = secret.length - 1; k >= 6; k--) {
      const cut = `${secret.slice(0, k)}…`;
      if (out.includes(cut)) out = out.split(cut).join(`${REDACTED}…`);
    }
  }
  return out;
}

/**
 * True for an error that is not one of ours: anything that is not a `ScribeError`, and the
 * `ScribeError(Internal)` wrappers that `asScribeError` and the runner's `stepError` put around
 * such a thing (a bug, a library's own error). Their text was never written for the thread.
 */
export function isUnexpected(err: unknown): boolean {
  if (!(err instanceof ScribeError)) return true;
  if (err instanceof RetryableError || err.constructor !== ScribeError || err.code !== ErrorCode.Internal) return false;
  return err.cause !== undefined && !(err.cause instanceof ScribeError);
}

/** The short reference shown to the person: the first block of the generation id, found in every log line of it. */
export function referenceOf(generationId: string): string {
  return generationId.slice(0, 8);
}

export function unexpectedFailureText(generationId: string): string {
  return `Something went wrong on our side (reference ${referenceOf(generationId)}); the team has the details in the logs.`;
}

/** What the thread is told about `err`: its own message, scrubbed, or the generic text. */
export function chatFailureText(err: unknown, generationId: string, clean: (text: string) => string): string {
  if (isUnexpected(err)) return unexpectedFailureText(generationId);
  return clean((err as ScribeError).message);
}

/** The progress view with every text that may come from an error scrubbed: warnings, step notes, the retry reason, the failure. */
export function chatSafeView(view: ProgressView, clean: (text: string) => string): ProgressView {
  const steps = Object.fromEntries(
    Object.entries(view.steps).map(([name, step]): [string, StepView] => [
      name,
      { ...step, warnings: step.warnings.map(clean), note: step.note === undefined ? undefined : clean(step.note) },
    ]),
  ) as ProgressView['steps'];
  return {
    ...view,
    steps,
    retry: view.retry ? { ...view.retry, reason: clean(view.retry.reason) } : view.retry,
    error: view.error === undefined ? undefined : clean(view.error),
  };
}
