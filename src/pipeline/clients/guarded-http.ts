/**
 * HTTP for scraping, shared by the page reader and the browser's request router: every hop of a
 * redirect chain passes the URL guard, and each connection goes to the very address the guard
 * checked, so a second DNS answer cannot send us elsewhere (DNS rebinding). TLS still verifies the
 * certificate for the host name. Bodies are read up to a size cap, decompressed when a server
 * compresses them although we never ask it to (the cap counts the decompressed bytes).
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { UrlGuard } from './ssrf.ts';

export interface GuardedRequest {
  method?: string | undefined;
  headers?: Record<string, string> | undefined;
  body?: Buffer | undefined;
  signal: AbortSignal;
  maxRedirects?: number | undefined;
}

export interface GuardedResponse {
  /** Where the last hop went. */
  finalUrl: string;
  /** The final answer (not a redirect), its body not read yet. */
  response: http.IncomingMessage;
}

/** Thrown when a redirect chain is longer than allowed or points nowhere. */
export class RedirectError extends Error {}

/** Thrown for a body in an encoding we do not read, or one that does not decompress; the message is for the user. */
export class BodyError extends Error {}

// Credentials must not follow a redirect to another site.
const DROPPED_ON_REDIRECT = ['cookie', 'authorization'];

/**
 * Sends a request, following redirects itself (each hop checked by `guard`). Throws the guard's
 * `page_refused`/`page_failed` errors as they are, `RedirectError`, or the socket's error.
 */
export async function guardedRequest(url: string, guard: UrlGuard, init: GuardedRequest): Promise<GuardedResponse> {
  const maxRedirects = init.maxRedirects ?? 5;
  let current = url;
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  let headers = { ...init.headers };
  for (let hop = 0; hop <= maxRedirects; hop++) {
    const target = await untilAborted(guard.resolve(current), init.signal);
    const response = await send(target.url, target.address, { method, headers, body, signal: init.signal });
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (status < 300 || status >= 400 || status === 304 || !location)
      return { finalUrl: target.url.toString(), response };
    response.resume();
    if (!URL.canParse(location, target.url.href)) throw new RedirectError('it redirects to an invalid address');
    const next = new URL(location, target.url);
    if (next.origin !== target.url.origin)
      headers = Object.fromEntries(
        Object.entries(headers).filter(([k]) => !DROPPED_ON_REDIRECT.includes(k.toLowerCase())),
      );
    // As browsers do: 303 always, and 301/302 after a POST, continue as a GET without a body.
    if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    current = next.toString();
  }
  throw new RedirectError(`more than ${maxRedirects} redirects`);
}

function send(
  url: URL,
  address: string,
  init: { method: string; headers: Record<string, string>; body: Buffer | undefined; signal: AbortSignal },
): Promise<http.IncomingMessage> {
  const secure = url.protocol === 'https:';
  const request = secure ? https.request : http.request;
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  // Only identity bodies: we neither ask for nor decode compression.
  const headers = Object.fromEntries(
    Object.entries(init.headers).filter(
      ([k]) => !['host', 'accept-encoding', 'connection', 'content-length'].includes(k.toLowerCase()),
    ),
  );
  return new Promise((resolve, reject) => {
    const req = request({
      host: address,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: init.method,
      headers: { ...headers, host: url.host },
      // SNI takes host names only; for a literal address the certificate is checked against it.
      ...(secure && !net.isIP(hostname) ? { servername: hostname } : {}),
      signal: init.signal,
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end(init.body);
  });
}

/** Bytes left for several bodies together (a page's subresources); `readCapped` counts them down. */
export interface ByteBudget {
  left: number;
}

/**
 * The body's first `maxBytes` (and no more than `budget` has left), decompressed (gzip, deflate, br); a longer body is cut there and its
 * download stopped. Throws `BodyError` for another content-encoding or a body that does not inflate.
 */
export async function readCapped(
  res: http.IncomingMessage,
  maxBytes: number,
  budget?: ByteBudget,
): Promise<{ bytes: Buffer; truncated: boolean }> {
  const body = decoded(res);
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  try {
    // The request's abort signal destroys the stream, which ends this loop with an error.
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const room = Math.min(maxBytes - size, budget ? budget.left : Infinity);
      if (budget) budget.left -= Math.min(chunk.length, room);
      if (chunk.length >= room) {
        chunks.push(chunk.subarray(0, room));
        truncated = true;
        break;
      }
      chunks.push(chunk);
      size += chunk.length;
    }
  } catch (err) {
    // The decoder's own error (not the download's, which it forwards): the body is not what it says.
    if (body !== res && !res.errored && (err as { name?: string }).name !== 'AbortError') {
      throw new BodyError('its compressed body could not be decompressed', { cause: err });
    }
    throw res.errored ?? err;
  } finally {
    if (!res.complete) res.destroy(); // stops a download cut at the cap, or one whose body failed
    if (body !== res) body.destroy();
  }
  return { bytes: Buffer.concat(chunks), truncated };
}

/**
 * The body as sent, or inflated. We send no Accept-Encoding, so a compressed answer comes from a
 * misbehaving server; it is still a page, so it is read, but only to the same size cap (a 40 KB
 * gzip that inflates to 40 MB is stopped at the cap). Truncated streams are flushed, not failed.
 */
function decoded(res: http.IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '')
    .trim()
    .toLowerCase();
  if (encoding === '' || encoding === 'identity') return res;
  const flush = { finishFlush: zlib.constants.Z_SYNC_FLUSH };
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? zlib.createGunzip(flush)
      : encoding === 'deflate'
        ? zlib.createInflate(flush)
        : encoding === 'br'
          ? zlib.createBrotliDecompress({ finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH })
          : undefined;
  if (!decoder) {
    res.destroy();
    throw new BodyError(`it is sent compressed as "${encoding.slice(0, 40)}", which is not read`);
  }
  res.on('error', (err) => decoder.destroy(err));
  return res.pipe(decoder);
}

/** `promise`, or the signal's reason as soon as it aborts (DNS has no deadline of its own). */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
