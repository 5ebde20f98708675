/**
 * The fakes that serve generations (test/helpers/services.ts `startServices()`: Anthropic, Exa,
 * arXiv, OpenAlex, pages) in a child process of their own, for the chat bench: its measuring process
 * then hosts only the fake Slack and Discord and the clock, as with real, remote services
 * (docs/decisions.md, "The chat bench's fakes in their own process"). The parent gets the
 * environment that points Scribe at them and one control message, the fakes' latencies; the tests
 * keep `startServices()` in process.
 *
 * Forked by `startServicesChild()`. The child ends when asked, when the parent's IPC channel closes
 * (the parent exited or died), and the parent kills it at its own exit and 5 s after asking.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startServices } from '../test/helpers/services.ts';

/** The fakes' latencies, in ms: Anthropic's by question (`parsed_template`, `email`) or model. */
export interface Latencies {
  anthropic?: Record<string, number>;
  exa?: number;
  arxiv?: number;
}

type ToChild = { type: 'latencies'; id: number; latencies: Latencies } | { type: 'close' };
type FromChild = { type: 'ready'; env: Record<string, string> } | { type: 'done'; id: number };

export interface ServicesChild {
  /** Environment variables pointing Scribe at the fakes (`Services.env`). */
  env: Record<string, string>;
  pid: number;
  /** Sets the fakes' latencies; resolves once the child has applied them. */
  setLatencies(latencies: Latencies): Promise<void>;
  /** Asks the child to close its servers and exit; SIGKILL if it has not within 5 s. */
  close(): Promise<void>;
}

const FILE = fileURLToPath(import.meta.url);

export async function startServicesChild(timeoutMs = 30_000): Promise<ServicesChild> {
  const child: ChildProcess = fork(FILE, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // The last resort on any exit path that skips `close()` (an uncaught error, process.exit).
  const killAtExit = () => child.kill('SIGKILL');
  process.once('exit', killAtExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiters = new Map<number, () => void>();
  let ready: ((env: Record<string, string>) => void) | undefined;
  child.on('message', (message: FromChild) => {
    if (message.type === 'ready') ready?.(message.env);
    else {
      waiters.get(message.id)?.();
      waiters.delete(message.id);
    }
  });
  const within = <T>(promise: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`services child: waited ${timeoutMs} ms for ${what}`)), timeoutMs);
    });
    const gone = exited.then(() => Promise.reject(new Error(`services child exited before ${what}`)));
    return Promise.race([promise, late, gone]).finally(() => clearTimeout(timer));
  };
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      if (child.connected) child.send({ type: 'close' } satisfies ToChild);
      const killer = setTimeout(() => {
        process.stderr.write('services child: not stopped within 5 s; killing it\n');
        child.kill('SIGKILL');
      }, 5_000);
      await exited.finally(() => clearTimeout(killer));
    }
    process.removeListener('exit', killAtExit);
  };
  let env: Record<string, string>;
  try {
    env = await within(new Promise<Record<string, string>>((resolve) => (ready = resolve)), 'the fakes to start');
  } catch (error) {
    await close();
    throw error;
  }
  let next = 0;
  return {
    env,
    pid: child.pid ?? 0,
    setLatencies(latencies) {
      const id = next++;
      const done = new Promise<void>((resolve) => waiters.set(id, resolve));
      child.send({ type: 'latencies', id, latencies } satisfies ToChild);
      return within(done, 'the latencies to be set');
    },
    close,
  };
}

async function runChild(send: (message: FromChild) => void): Promise<void> {
  const services = await startServices();
  let closing: Promise<void> | undefined;
  const stop = () => {
    closing ??= services.close().finally(() => process.exit(0));
    return closing;
  };
  // The parent gone (its IPC channel closed): nothing will ask again.
  process.on('disconnect', () => void stop());
  process.on('message', (message: ToChild) => {
    if (message.type === 'close') {
      void stop();
      return;
    }
    const { anthropic, exa, arxiv } = message.latencies;
    if (anthropic) Object.assign(services.anthropic.latencyFor, anthropic);
    if (exa !== undefined) services.exa.latencyMs = exa;
    if (arxiv !== undefined) services.arxiv.latencyMs = arxiv;
    send({ type: 'done', id: message.id });
  });
  send({ type: 'ready', env: services.env });
}

if (process.argv[1] === FILE && process.send) {
  const send = process.send.bind(process);
  await runChild((message) => send(message));
}
