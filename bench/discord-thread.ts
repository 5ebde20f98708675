/**
 * The chat bench's fake Discord, on a thread of its own: its gateway sends the interactions and its
 * REST server takes their callbacks, and the bursts are timed here, on a loop that does nothing
 * else. On the bench's main thread, which also serves the fake Slack's Web API (the modals Scribe
 * opens after each ack), a callback that arrived while that loop was busy was read, and timed,
 * late: the loop's largest delay in Discord's first burst was 18–36 ms. Discord's own servers time
 * an ack on no such loop. Each ack is timed from just before its interaction is built and sent to
 * the moment the fake's server first sees its callback (before reading its body: the fake's own
 * validation is not the app's time). The same reasons moved Slack's requests to a thread
 * (timed-post-thread.ts).
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import type { APIUser } from 'discord.js';
import { type FakeDiscord, startFakeDiscord } from '../test/fakes/discord/index.ts';

/** One timed burst of `/scribe` commands. */
export interface CommandBurst {
  /** The interactions' ids, for their forms' submissions. */
  ids: string[];
  ms: number[];
  /** How long the thread took to send the burst (during which it reads no callback), in ms. */
  dispatchMs: number;
}

/** What the thread does for the bench. */
interface Ops {
  /** Adds `n` members to the guild, each to run `/scribe` in the bursts. */
  addMembers(n: number): number;
  /** Each member runs `/scribe` (the form) at once; the ack is the modal (callback type 9). */
  commands(): CommandBurst;
  /** Each form from `commandIds` is submitted at once; the ack is the deferred reply (type 5). */
  submissions(commandIds: string[], round: string, values: FormValues): number[];
  /** ada runs `/scribe` with every option; the REST calls by route until the email is in the thread. */
  oneGeneration(values: FormValues, expect: string): Record<string, number>;
  /** The thread's own event loop's largest delay since the last call, in ms. */
  loopDelayMaxMs(): number;
}

export interface FormValues {
  template: string;
  recipient_name: string;
  recipient_interest: string;
}

type Call = { [K in keyof Ops]: { id: number; op: K; args: Parameters<Ops[K]> } }[keyof Ops];
type Reply = { id: number; value: unknown } | { id: number; error: string } | { ready: Env };

/** What Scribe needs to reach the fake. */
export interface Env {
  DISCORD_TOKEN: string;
  DISCORD_APPLICATION_ID: string;
  DISCORD_API_URL: string;
}

type Async<T> = { [K in keyof T]: T[K] extends (...a: infer A) => infer R ? (...a: A) => Promise<Awaited<R>> : never };

export interface DiscordThread extends Async<Ops> {
  env: Env;
  close(): Promise<void>;
}

/** Starts the thread and its fake Discord. */
export async function startDiscordThread(): Promise<DiscordThread> {
  const worker = new Worker(new URL(import.meta.url));
  let next = 0;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const failAll = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  const env = await new Promise<Env>((resolve, reject) => {
    worker.on('message', (message: Reply) => {
      if ('ready' in message) return resolve(message.ready);
      const waiter = waiting.get(message.id);
      waiting.delete(message.id);
      if ('error' in message) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.value);
    });
    worker.on('error', (err) => {
      reject(err);
      failAll(err);
    });
    worker.on('exit', (code) => failAll(new Error(`the fake Discord's thread exited (${code})`)));
  });
  const call =
    <K extends keyof Ops>(op: K) =>
    (...args: Parameters<Ops[K]>): Promise<Awaited<ReturnType<Ops[K]>>> =>
      new Promise((resolve, reject) => {
        const id = next++;
        waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
        worker.postMessage({ id, op, args } as Call);
      });
  return {
    env,
    addMembers: call('addMembers'),
    commands: call('commands'),
    submissions: call('submissions'),
    oneGeneration: call('oneGeneration'),
    loopDelayMaxMs: call('loopDelayMaxMs'),
    close: async () => {
      await worker.terminate();
    },
  };
}

/** The app's accepted answer to an interaction, or an error after 10 s (a refused or late answer never comes). */
function answered(discord: FakeDiscord, id: string) {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`interaction ${id} was not answered within 10 s`)), 10_000);
  });
  return Promise.race([discord.nextCallback(id), late]).finally(() => clearTimeout(timer));
}

/** Every wait ends: `check` is polled until truthy, or it fails naming what it waited for. */
async function poll<T>(check: () => T, what: string, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() >= deadline) throw new Error(`chat bench: waited ${timeoutMs} ms for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ms = (from: number, to: number) => Math.round((to - from) * 100) / 100;

function operations(discord: FakeDiscord): { [K in keyof Ops]: (...a: Parameters<Ops[K]>) => unknown } {
  const members: APIUser[] = [];
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  return {
    addMembers(n) {
      for (let i = 0; i < n; i++) {
        const user = discord.world.addUser(`member${members.length}`);
        discord.world.addMember(discord.world.guild, user.id);
        members.push(user);
      }
      return members.length;
    },
    async commands() {
      const from = performance.now();
      const pending = members.map(async (user) => {
        const started = performance.now();
        const { id } = discord.slashCommand({ user });
        const callback = await answered(discord, id);
        if (callback.type !== 9) throw new Error(`/scribe was answered with type ${callback.type}, not the form`);
        return { id, ms: ms(started, callback.receivedAt) };
      });
      const dispatchMs = ms(from, performance.now());
      const results = await Promise.all(pending);
      return { ids: results.map((r) => r.id), ms: results.map((r) => r.ms), dispatchMs } satisfies CommandBurst;
    },
    async submissions(commandIds, round, values) {
      return Promise.all(
        commandIds.map(async (commandId) => {
          const started = performance.now();
          const { id } = discord.submitModal(commandId, {
            ...values,
            recipient_name: `${values.recipient_name} ${round}`,
          });
          const callback = await answered(discord, id);
          if (callback.type !== 5) throw new Error(`the form was answered with type ${callback.type}, not a deferral`);
          return ms(started, callback.receivedAt);
        }),
      );
    },
    async oneGeneration(values, expect) {
      const before = discord.rest.calls.length;
      discord.slashCommand({ user: discord.people.ada, options: { ...values } });
      // Components V2: the email is in the thread message's text displays (`text`), its `content` empty.
      await poll(
        () =>
          discord
            .channelView(discord.channelId)
            .find((m) => m.threadId && discord.channelView(m.threadId).some((x) => x.text.includes(expect))),
        `Discord's result in the thread (a message with '${expect}')`,
      );
      const byRoute: Record<string, number> = {};
      for (const c of discord.rest.calls.slice(before)) {
        const route = `${c.method} ${c.route}`;
        byRoute[route] = (byRoute[route] ?? 0) + 1;
      }
      return byRoute;
    },
    loopDelayMaxMs() {
      const max = Math.round(loop.max / 1e4) / 100;
      loop.reset();
      return max;
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const discord = await startFakeDiscord();
  const ops = operations(discord);
  port.on('message', (message: Call) => {
    const op = ops[message.op] as (...a: unknown[]) => unknown;
    Promise.resolve()
      .then(() => op(...message.args))
      .then(
        (value) => port.postMessage({ id: message.id, value } satisfies Reply),
        (err: unknown) => port.postMessage({ id: message.id, error: String(err) } satisfies Reply),
      );
  });
  port.postMessage({
    ready: {
      DISCORD_TOKEN: discord.token,
      DISCORD_APPLICATION_ID: discord.applicationId,
      DISCORD_API_URL: discord.apiUrl,
    },
  } satisfies Reply);
}
