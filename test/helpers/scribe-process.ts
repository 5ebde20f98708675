/**
 * Runs the `scribe` CLI as users run it: a child process on Node 24 with its own environment.
 * Log lines (pino JSON) are parsed as they arrive so tests wait for what the service says, not
 * for a guessed amount of time — by the line's `event` field (docs/decisions.md, "Tests wait on log
 * events"), never by its message text, so rewording a log line breaks no test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'src/main.ts');

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

/**
 * A log event: its `event` name and the fields the line must carry, each equal to the value given
 * or, given a function, passing it (`{ event: 'step.saved', step: 'parse' }`).
 */
export type EventQuery = { event: string } & Record<string, unknown>;
/** One event, or any of several. */
export type EventMatch = EventQuery | readonly EventQuery[];

/** Whether a log line is the event asked for (any of them, given a list). */
export function isEvent(line: LogLine, match: EventMatch): boolean {
  const queries: readonly EventQuery[] = 'event' in match ? [match] : match;
  return queries.some((query) =>
    Object.entries(query).every(([key, want]) =>
      typeof want === 'function' ? (want as (value: unknown) => boolean)(line[key]) : line[key] === want,
    ),
  );
}

export interface ScribeProcess {
  child: ChildProcess;
  logs: LogLine[];
  /** Everything written to stdout/stderr that was not a JSON log line. */
  output: string[];
  /** Lines written to stdout that were not JSON log lines. */
  stdout: string[];
  /** Resolves with the first line (past or future) that is the event; rejects if the process exits first. */
  waitForEvent(match: EventMatch, timeoutMs?: number): Promise<LogLine>;
  /** The lines so far that are the event. */
  events(match: EventMatch): LogLine[];
  /**
   * Resolves with the first log line (past or future) that matches. For the bench's "started, or
   * logged an error"; tests wait with `waitForEvent`.
   */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): void;
}

/** The environment without variables a test did not choose (a developer's DATABASE_URL, tokens). */
export function cleanEnv(extra: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'CI'];
  // Scribe's operators' port (/metrics) defaults to 9464: tests run side by side, so any free one.
  const env: NodeJS.ProcessEnv = { METRICS_PORT: '0' };
  for (const key of keep) if (process.env[key] !== undefined) env[key] = process.env[key];
  for (const [key, value] of Object.entries(extra)) if (value !== undefined) env[key] = value;
  return env;
}

export interface SpawnOptions {
  /** Run as this unprivileged user (needs root; uses util-linux `setpriv`). */
  runAs?: { user: string; group: string };
}

export function spawnScribe(args: string[], env: NodeJS.ProcessEnv, options: SpawnOptions = {}): ScribeProcess {
  return spawnNode([MAIN, ...args], env, options);
}

/** Runs a TypeScript entry point (e.g. test/helpers/worker-child.ts) on this Node, with log parsing. */
export function spawnNode(argv: string[], env: NodeJS.ProcessEnv, options: SpawnOptions = {}): ScribeProcess {
  const command = [process.execPath, ...argv];
  if (options.runAs) {
    command.unshift('setpriv', `--reuid=${options.runAs.user}`, `--regid=${options.runAs.group}`, '--clear-groups');
  }
  const [file = process.execPath, ...rest] = command;
  return spawnCommand(file, rest, env);
}

/** Runs any command in the project's directory (e.g. `npm start`), with log parsing. */
export function spawnCommand(file: string, args: string[], env: NodeJS.ProcessEnv): ScribeProcess {
  const child = spawn(file, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: LogLine[] = [];
  const output: string[] = [];
  const stdout: string[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];

  const onLine = (text: string, fromStdout = false) => {
    let line: LogLine | undefined;
    try {
      const parsed: unknown = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && 'msg' in parsed) line = parsed as LogLine;
    } catch {
      // not a log line
    }
    if (!line) {
      output.push(text);
      if (fromStdout) stdout.push(text);
      return;
    }
    logs.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  readline.createInterface({ input: child.stdout! }).on('line', (l) => onLine(l, true));
  readline.createInterface({ input: child.stderr! }).on('line', (l) => onLine(l));

  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });

  const waitForLog = (match: (line: LogLine) => boolean, timeoutMs = 60_000): Promise<LogLine> => {
    const found = logs.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new Error(
            `no matching log line within ${timeoutMs} ms; got:\n${[...logs.map((l) => JSON.stringify(l)), ...output].join('\n')}`,
          ),
        );
      }, timeoutMs);
      const waiter = {
        match,
        resolve: (l: LogLine) => {
          clearTimeout(timer);
          resolve(l);
        },
      };
      waiters.push(waiter);
      void exited.then((code) => {
        if (!waiters.includes(waiter)) return;
        clearTimeout(timer);
        reject(
          new Error(
            `scribe exited (${code}) before the log line appeared; got:\n${[...logs.map((l) => JSON.stringify(l)), ...output].join('\n')}`,
          ),
        );
      });
    });
  };

  return {
    child,
    logs,
    output,
    stdout,
    exited,
    kill: (signal = 'SIGTERM') => child.kill(signal),
    waitForEvent: (match, timeoutMs) => waitForLog((line) => isEvent(line, match), timeoutMs),
    events: (match) => logs.filter((line) => isEvent(line, match)),
    waitForLog,
  };
}

/** Runs the CLI to completion. */
export async function runScribe(args: string[], env: NodeJS.ProcessEnv) {
  const proc = spawnScribe(args, env);
  const code = await proc.exited;
  return {
    code,
    logs: proc.logs,
    events: proc.events,
    output: proc.output.join('\n'),
    stdout: proc.stdout.join('\n'),
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
