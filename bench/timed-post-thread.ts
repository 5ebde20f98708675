/**
 * Sends the chat bench's Slack requests and times their answers on a thread of its own. The bench's
 * main thread also serves the fake Slack's Web API (the modals Scribe opens after each ack) and the
 * fake Discord: an ack that arrived while it did so was read, and timed, late (its event loop's
 * delay reached 24–80 ms in a burst). Slack's own servers time an ack on no such loop. Here the
 * thread does nothing else, and sends with `node:http` over kept-alive connections rather than
 * `fetch`, whose setup for 50 requests at once (~1 ms each) held the thread's loop 50–80 ms:
 * each ack is timed from its request written to its answer's last byte.
 */
import http from 'node:http';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { TimedPost } from '../test/fakes/slack/driver.ts';

interface PostMessage {
  id: number;
  url: string;
  init: Parameters<TimedPost>[1];
}
type Answer = { id: number; answer: Awaited<ReturnType<TimedPost>> } | { id: number; error: string };

export interface TimedPostThread {
  send: TimedPost;
  /** The thread's own event loop's largest delay since the last call, in ms. */
  loopDelayMaxMs(): Promise<number>;
  close(): Promise<void>;
}

/** Starts the thread; `send` posts through it. */
export function startTimedPostThread(): TimedPostThread {
  const worker = new Worker(new URL(import.meta.url));
  let next = 0;
  const waiting = new Map<number, { resolve(a: Awaited<ReturnType<TimedPost>>): void; reject(e: Error): void }>();
  const delays: ((ms: number) => void)[] = [];
  worker.on('message', (message: Answer | { delayMaxMs: number }) => {
    if ('delayMaxMs' in message) return delays.shift()?.(message.delayMaxMs);
    const waiter = waiting.get(message.id);
    waiting.delete(message.id);
    if ('error' in message) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.answer);
  });
  worker.on('error', (err) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  });
  return {
    send: (url, init) =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve, reject });
        worker.postMessage({ id, url, init } satisfies PostMessage);
      }),
    loopDelayMaxMs: () =>
      new Promise((resolve) => {
        delays.push(resolve);
        worker.postMessage('delay');
      }),
    close: () => worker.terminate().then(() => undefined),
  };
}

/** One POST with `node:http`, timed from writing it to the answer's last byte. */
function postTimed(agent: http.Agent): TimedPost {
  return (url, { headers, body, timeoutMs }) =>
    new Promise((resolve, reject) => {
      const started = performance.now();
      const request = http.request(
        url,
        {
          method: 'POST',
          headers: { ...headers, 'content-length': Buffer.byteLength(body) },
          agent,
          timeout: timeoutMs,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            const ms = performance.now() - started;
            const answerHeaders: Record<string, string> = {};
            for (const [name, value] of Object.entries(response.headers))
              if (value !== undefined) answerHeaders[name] = Array.isArray(value) ? value.join(', ') : value;
            resolve({
              status: response.statusCode ?? 0,
              headers: answerHeaders,
              text: Buffer.concat(chunks).toString('utf8'),
              ms,
            });
          });
        },
      );
      request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      request.on('error', reject);
      request.end(body);
    });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const post = postTimed(new http.Agent({ keepAlive: true, keepAliveMsecs: 30_000 }));
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  port.on('message', (message: PostMessage | 'delay') => {
    if (message === 'delay') {
      port.postMessage({ delayMaxMs: Math.round(loop.max / 1e4) / 100 });
      loop.reset();
      return;
    }
    post(message.url, message.init).then(
      (answer) => port.postMessage({ id: message.id, answer } satisfies Answer),
      (err: unknown) => port.postMessage({ id: message.id, error: String(err) } satisfies Answer),
    );
  });
}
