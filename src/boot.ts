/**
 * How the `scribe` process starts itself: with Node's compile cache, a small V8 young generation
 * and at most two glibc malloc arenas, re-executing itself once (`process.execve`, same pid) when
 * it was started without.
 *
 * Why: on Node 24 the first `.ts` file loads the type stripper (swc compiled to WebAssembly), which
 * stays resident: ~18 MB of an idle worker's ~125 MB. With `NODE_COMPILE_CACHE` set, Node keeps
 * the stripped and compiled modules on disk and never loads the stripper again once they are cached.
 * The young generation (`--max-semi-space-size`) grows to ~16 MB by default; Scribe waits on the
 * network and allocates little, so 2 MB costs a few more scavenges and saves ~8 MB (4 MB in a
 * process that answers chat: `CHAT_V8_FLAGS`). Both are set on every box, so the bench measures
 * what a Pi runs. See docs/decisions.md ("Idle memory").
 * `MALLOC_ARENA_MAX=2`: glibc gives threads their own malloc arenas (up to 8 per core), and Node's
 * threads (V8's, libuv's, the extraction worker thread) each keep freed memory in theirs; two
 * arenas hold less of it (docs/decisions.md, "Worker memory at the browser's peak"). glibc reads it
 * only when a process starts, hence the re-exec; other C libraries ignore it.
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, the re-exec also preloads `telemetry/preload.ts`
 * (`--import`), which must run before the app's imports (docs/decisions.md, "Tracing preload").
 *
 * The module imports only `node:` built-ins and, being main.ts's first import, is evaluated before
 * any other Scribe module, so a re-exec throws away little work. It runs only when `src/main.ts` is
 * the process's entry point (never inside tests that import main.ts).
 */
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import module from 'node:module';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** V8 flags the service runs with, unless the operator already gave them a value. */
export const V8_FLAGS = ['--max-semi-space-size=2'] as const;
/**
 * A process that answers chat (`start`, `bot`) gets a 4 MB semi-space: with 2 MB, a burst of 50
 * requests promotes much of its short-lived garbage, and the first major collection after a start
 * (30–55 ms on the loop, more on the GC's threads) landed in the chat bench's first warm burst in
 * every run (docs/decisions.md, "Acks after a start, and a burst on new connections"). A worker
 * alone keeps 2 MB. `--expose-gc` lets such a process make its major collections while chat is
 * quiet (bots/shared/quiet-gc.ts).
 */
export const CHAT_V8_FLAGS = ['--max-semi-space-size=4', '--expose-gc'] as const;
/** The commands whose process answers chat. */
const CHAT_COMMANDS = new Set(['start', 'bot']);

/** The V8 flags for a command's process. */
export function v8FlagsFor(command: string | undefined): readonly string[] {
  return command !== undefined && CHAT_COMMANDS.has(command) ? CHAT_V8_FLAGS : V8_FLAGS;
}
/** Environment the service runs with, each unless the operator set that variable (even to ""). */
export const MALLOC_ENV = { MALLOC_ARENA_MAX: '2' } as const;

const HERE = path.dirname(fileURLToPath(import.meta.url));
const MAIN = path.join(HERE, 'main.ts');
/**
 * Preloaded (`--import`) when tracing is on, so the SDK's http and pg instrumentations are in place
 * before the app imports those modules (see src/telemetry/preload.ts). Never loaded otherwise.
 */
export const TRACING_PRELOAD = path.join(HERE, 'telemetry', 'preload.ts');
/** Beside the installed packages, on disk (a tmpfs /tmp would hold it in RAM); one per install. */
export const COMPILE_CACHE_DIR = path.join(HERE, '..', 'node_modules', '.cache', 'scribe-compile-cache');

export interface BootState {
  execArgv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** The scribe command (`start`, `worker`, …): its V8 flags (`v8FlagsFor`). */
  command?: string | undefined;
}

export interface BootPlan {
  /** Node options to add (flags the process lacks). */
  addFlags: string[];
  /** Environment to add. */
  addEnv: Record<string, string>;
}

/** What a process started with `state` must add to run as the service should; undefined: nothing. */
export function bootPlan(
  state: BootState,
  cacheDir = COMPILE_CACHE_DIR,
  preload = TRACING_PRELOAD,
): BootPlan | undefined {
  const given = [...state.execArgv, ...(state.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const addFlags: string[] = v8FlagsFor(state.command).filter((flag) => {
    const name = flag.split('=')[0]!;
    // V8 accepts --max_semi_space_size as well as --max-semi-space-size.
    return !given.map((g) => g.replaceAll('_', '-')).some((g) => g === name || g.startsWith(`${name}=`));
  });
  // Tracing on (the standard variable, as config.ts reads it): the preload goes first.
  if (state.env.OTEL_EXPORTER_OTLP_ENDPOINT && !given.some((g) => g === preload || g === `--import=${preload}`)) {
    addFlags.push('--import', preload);
  }
  const addEnv: Record<string, string> = {};
  // An operator who disabled or placed the cache keeps their choice.
  if (state.env.NODE_COMPILE_CACHE === undefined && state.env.NODE_DISABLE_COMPILE_CACHE === undefined) {
    addEnv.NODE_COMPILE_CACHE = cacheDir;
  }
  for (const [name, value] of Object.entries(MALLOC_ENV)) if (state.env[name] === undefined) addEnv[name] = value;
  if (addFlags.length === 0 && Object.keys(addEnv).length === 0) return undefined;
  return { addFlags, addEnv };
}

/**
 * Re-executes this process with the plan applied, when there is one and Node can (`process.execve`,
 * Node ≥ 22.15 on POSIX). The new image satisfies the plan, so this happens at most once.
 */
export function boot(): void {
  const plan = bootPlan({ execArgv: process.execArgv, env: process.env, command: process.argv[2] });
  if (!plan) return;
  const execve = (process as { execve?: (file: string, args: string[], env: NodeJS.ProcessEnv) => never }).execve;
  const cacheDir = plan.addEnv.NODE_COMPILE_CACHE;
  if (cacheDir) {
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
    } catch {
      // A read-only install: Node runs without the cache (it only warns under NODE_DEBUG).
    }
  }
  // V8 flags are part of the cache key; the preload is not, and the warming child needs none.
  if (cacheDir) warmCompileCache(cacheDir, [...withoutEnvFiles(process.execArgv), ...plan.addFlags.filter(notPreload)]);
  if (typeof execve !== 'function' || process.platform === 'win32') {
    // No re-exec: at least cache the modules imported from here on.
    if (cacheDir) module.enableCompileCache?.(cacheDir);
    return;
  }
  const argv = [...withoutEnvFiles(process.execArgv), ...plan.addFlags, ...process.argv.slice(1)];
  execve(process.execPath, [process.execPath, ...argv], { ...process.env, ...plan.addEnv });
}

/**
 * Node options without `--env-file` and `--env-file-if-exists`: the file's variables are already in
 * the environment the new image gets, and reading it again would print Node's "… not found.
 * Continuing without it." a second time.
 */
export function withoutEnvFiles(execArgv: readonly string[]): string[] {
  const isEnvFile = (arg: string | undefined) => arg === '--env-file' || arg === '--env-file-if-exists';
  return execArgv.filter((arg, i) => !isEnvFile(arg) && !isEnvFile(arg.split('=')[0]) && !isEnvFile(execArgv[i - 1]));
}

function notPreload(flag: string, i: number, flags: string[]): boolean {
  return flag !== '--import' && !(flags[i - 1] === '--import' && flag === TRACING_PRELOAD);
}

/**
 * Fills the compile cache for every source file when it is cold or the sources changed, in a
 * short-lived child: otherwise the service itself would strip the first start's modules and keep
 * the stripper resident until its next restart. A stamp of the sources (paths, sizes, mtimes), the
 * Node version and the flags (V8 flags are part of the cache key) says when that is needed.
 */
function warmCompileCache(cacheDir: string, flags: string[]): void {
  const src = path.join(HERE);
  let files: string[];
  try {
    files = (fs.readdirSync(src, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort();
  } catch {
    return;
  }
  const hash = crypto.createHash('sha256').update(`${process.version}\n${flags.join(' ')}\n`);
  for (const file of files) {
    const stat = fs.statSync(path.join(src, file), { throwIfNoEntry: false });
    hash.update(`${file}:${stat?.size}:${stat?.mtimeMs}\n`);
  }
  const stamp = hash.digest('hex');
  // One stamp per set of flags: a `bot` and a `worker` on one install (their young generations
  // differ) do not fill the cache again at each other's start.
  const flagsKey = crypto.createHash('sha256').update(flags.join(' ')).digest('hex').slice(0, 12);
  const stampFile = path.join(cacheDir, `scribe-sources-${flagsKey}.stamp`);
  try {
    fs.accessSync(cacheDir, fs.constants.W_OK); // another user's install: no cache to fill
    if (fs.readFileSync(stampFile, { encoding: 'utf8', flag: 'a+' }) === stamp) return;
  } catch {
    return;
  }
  // Importing evaluates each module; Scribe's modules only define things at the top level (main.ts
  // and this file act only as the entry point).
  const urls = files.filter((f) => f !== 'boot.ts').map((f) => pathToFileURL(path.join(src, f)).href);
  const script = `for (const u of ${JSON.stringify(urls)}) await import(u).catch(() => undefined);`;
  const result = spawnSync(process.execPath, [...flags, '--input-type=module', '--eval', script], {
    env: { ...process.env, NODE_COMPILE_CACHE: cacheDir },
    stdio: 'ignore',
    timeout: 120_000,
  });
  if (result.status === 0) fs.writeFileSync(stampFile, stamp);
  // Otherwise the service strips what it loads, as it would without a cache.
}

function isEntryPoint(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return fs.realpathSync(entry) === fs.realpathSync(MAIN);
  } catch {
    return false;
  }
}

if (isEntryPoint()) boot();
