/**
 * Runs the four steps: parse; then research and arXiv concurrently (both need only the parse);
 * then compose. Who the recipient is (the identity step, issue 20) is settled inside the research,
 * from the pages it read and before its summary, and the arXiv step waits for it to keep only that
 * person's papers; it has its own record (`steps.identity`) and its own line in the progress view. Owns what the steps do not: timing, retries of transient failures, progress
 * events, checkpoints, resuming from saved steps, and the research cache.
 */
import { performance } from 'node:perf_hooks';
import type { z } from 'zod';
import { ErrorCode, InvalidAnswerError, PermanentError, RetryableError, ScribeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { NO_OBSERVER, type CallDescription, type PipelineObserver } from './observe.ts';
import type { PageText } from './identity/score.ts';
import type {
  CachedResearch,
  Llm,
  LlmRequest,
  PageReader,
  PaperSearch,
  ResearchCache,
  WebSearchAnswer,
  ScholarDirectory,
  WebSearch,
} from './ports.ts';
import { recipientCacheKey, researchCacheKey, type CacheScope } from './research-cache-key.ts';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.ts';
import { findPapers, type ArxivLimits } from './steps/arxiv.ts';
import { composeEmail } from './steps/compose.ts';
import { identifyRecipient } from './steps/identity.ts';
import { parseTemplate } from './steps/parse.ts';
import { hasRecipientSlot, slotsInCode } from './template.ts';
import { RESEARCH_LIMITS, researchRecipient, searchBackground, type ResearchLimits } from './steps/research.ts';
import {
  STEP_LABELS,
  type IdentityHeld,
  type IdentityOutput,
  type Paper,
  type PipelineData,
  type ProgressEvent,
  type StepName,
  type StepOutputs,
  type StepRecord,
  type StepRecords,
  type StepResult,
} from './types.ts';

export interface PipelineDeps {
  llm: Llm;
  search: WebSearch;
  papers: PaperSearch;
  pages: PageReader;
  /** Who is who among namesakes (OpenAlex); none (no OPENALEX_API_KEY): the identity is "not verified". */
  directory?: ScholarDirectory | undefined;
  /** Research reused for the same recipient within a scope (`RunOptions.cacheScope`); none: always research afresh. */
  cache?: ResearchCache | undefined;
  models: { fast: string; writer: string };
  /** How long cached research stays good; 0 turns the cache off. */
  researchCacheTtlMs: number;
  /**
   * All of research's page reads together, after Exa's answer; the pages still being read then are
   * left out (`RESEARCH_PAGES_DEADLINE`, which the composition roots pass). Undefined: no deadline.
   */
  pagesDeadlineMs?: number | undefined;
  /**
   * What research asks for and sends on (default `RESEARCH_LIMITS`, `ARXIV_LIMITS`); the cost
   * bench runs the issue-21 baseline through `RESEARCH_BASELINE` and `ARXIV_BASELINE`.
   */
  limits?: { research?: ResearchLimits | undefined; arxiv?: ArxivLimits | undefined } | undefined;
  /** Overrides of the retry policy (tests: a tiny `baseMs`, a recording `sleep`). */
  retry?: Partial<RetryPolicy> | undefined;
  /**
   * Waited on before each call to an outside service and again before its answer is used: in a
   * process that also answers chat, a chat ack on its way goes first (`afterAcks`, ack-first.ts;
   * bounded there). Undefined: no waiting.
   */
  yieldTo?: (() => Promise<void>) | undefined;
  logger: Logger;
  /** Clocks, for tests: `elapsed` measures durations (performance.now), `now` stamps finishedAt (Date.now). */
  clock?: { elapsed?: () => number; now?: () => number } | undefined;
}

export interface RunOptions {
  onProgress?: ((event: ProgressEvent) => void) | undefined;
  /**
   * Awaited after each step's output is recorded, before the run goes on (the worker checkpoints
   * to Postgres here). Calls never overlap: research and arXiv finishing together are serialised.
   */
  onStepDone?: ((step: StepName, record: StepRecord) => Promise<void>) | undefined;
  signal?: AbortSignal | undefined;
  logger?: Logger | undefined;
  /**
   * Whose research this run may reuse and store: the requester's workspace or guild. Without a
   * scope the research cache is not used at all, so nothing is ever shared by accident.
   */
  cacheScope?: CacheScope | undefined;
  /** Research afresh: the cache is not read, and what this run finds replaces what it held. */
  freshResearch?: boolean | undefined;
  /** Sees each step and each try of each outside call: usage (cost), spans, metrics. */
  observer?: PipelineObserver | undefined;
  /** Stop after steps 1–3 (the research review): the result then has no `compose` record. */
  stopBeforeCompose?: boolean | undefined;
  /**
   * Ask "Which …?" when the identity is ambiguous (issue 20): the run stops once the research has
   * read its pages and arXiv has answered, keeps both on the identity record (`held`) and returns
   * with `awaiting: 'identity'`; the person's choice, saved on that record, resumes it with no new
   * search. Without it (the terminal, the bench) an ambiguous identity goes the unverified way.
   */
  askIdentity?: boolean | undefined;
  /** The email as far as the writer has written it, while it writes (`ComposeDeps.onEmailText`). */
  onEmailText?: ((emailSoFar: string) => void) | undefined;
}

/** What a run ends with: the data, and what it waits for when it stopped to ask the person. */
export type RunResult = PipelineData & { awaiting?: 'identity' | undefined };

/**
 * Thrown inside a run that stops for "Which …?", to end the research and arXiv steps where they are.
 * Not a failure: no step fails, nothing is logged as one, and `runPipeline` returns normally.
 */
export class AwaitingIdentity extends Error {
  constructor() {
    super('waiting for the person to say which profile is the recipient');
    this.name = 'AwaitingIdentity';
  }
}

/** What a step function sees: the ports with the retry policy applied, its model names, the signal. */
export type StepPorts = Pick<PipelineDeps, 'llm' | 'search' | 'papers' | 'pages' | 'directory' | 'models'> & {
  signal: AbortSignal | undefined;
};

export const SKIP_REASON_ARXIV = 'only for research templates';
export const SKIP_REASON_NO_SLOT = 'the template has no placeholder for the recipient';

/**
 * Runs every step that `data.steps` has no record of and returns the completed data (the input
 * object is not changed). Throws a `ScribeError` with `step` set and a message for the user;
 * `RetryableError` when trying again later may help.
 */
export async function runPipeline(
  data: PipelineData,
  deps: PipelineDeps,
  options: RunOptions = {},
): Promise<RunResult> {
  const logger = options.logger ?? deps.logger;
  const { signal } = options;
  const elapsed = deps.clock?.elapsed ?? (() => performance.now());
  const now = deps.clock?.now ?? Date.now;
  const steps: StepRecords = { ...data.steps };

  const emit = (event: ProgressEvent) => {
    try {
      options.onProgress?.(event);
    } catch (err) {
      logger.warn({ err, event }, 'progress listener threw; ignoring it');
    }
  };

  let checkpoints: Promise<unknown> = Promise.resolve();
  const record = <S extends StepName>(step: S, rec: StepRecord<S>): Promise<void> => {
    (steps as Record<S, StepRecord<S>>)[step] = rec;
    const done = checkpoints.then(() => options.onStepDone?.(step, rec as StepRecord));
    checkpoints = done.catch(() => undefined);
    return done;
  };

  // OpenAlex's answers within this run: the research's early look at who the person is (before it
  // decides on its publications search) and the identity step then ask the same questions once.
  const asked = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, call: () => Promise<T>): Promise<T> => {
    const known = asked.get(key) as Promise<T> | undefined;
    if (known) return known;
    const answer = call();
    asked.set(key, answer);
    answer.catch(() => asked.delete(key));
    return answer;
  };
  const tries = deps.retry?.attempts ?? DEFAULT_RETRY_POLICY.attempts;
  const observer = options.observer ?? NO_OBSERVER;
  const yieldTo = deps.yieldTo;
  // Outside the observer, so a call's span and duration do not count the wait.
  const gated = <T>(call: () => Promise<T>): Promise<T> =>
    yieldTo
      ? (async () => {
          await yieldTo();
          const answer = await call();
          await yieldTo();
          return answer;
        })()
      : call();
  const portsFor = (step: StepName): StepPorts => {
    // Each try is observed on its own: each is a call the service may bill.
    const retry = <T>(what: CallDescription, call: () => Promise<T>) =>
      withRetry((attempt) => gated(() => observer.call(step, what, attempt, call)), {
        ...deps.retry,
        signal,
        onRetry: ({ attempt, delayMs, error }) => {
          logger.warn({ step, attempt, delayMs, err: error }, 'transient failure; retrying');
          emit({ step, kind: 'retrying', attempt, of: tries, delayMs, message: error.message });
        },
      });
    return {
      llm: {
        complete: (request) => retry({ kind: 'llm', model: request.model }, () => deps.llm.complete(request)),
        structured: <T>(request: LlmRequest & { schema: z.ZodType<T>; name: string }) =>
          retry({ kind: 'llm', model: request.model, name: request.name }, () => deps.llm.structured(request)),
      },
      search: {
        search: (query, opts) => retry({ kind: 'exa', searchType: opts.type }, () => deps.search.search(query, opts)),
      },
      papers: {
        byAuthor: (name, opts) => retry({ kind: 'arxiv' }, () => deps.papers.byAuthor(name, opts)),
        ...(deps.papers.byAuthorId && {
          byAuthorId: (id: string, opts?: { signal?: AbortSignal | undefined }) =>
            retry({ kind: 'arxiv' }, () => deps.papers.byAuthorId!(id, opts)),
        }),
      },
      // Page failures become warnings in the research step; retrying them would only slow it down.
      pages: {
        read: (url, opts) =>
          gated(() => observer.call(step, { kind: 'page', url }, 1, () => deps.pages.read(url, opts))),
        warm: () => deps.pages.warm?.(),
        close: () => deps.pages.close(),
      },
      directory: deps.directory && {
        searchAuthors: (name, opts) =>
          once(`search ${name} ${opts.limit}`, () =>
            retry({ kind: 'openalex' }, () => deps.directory!.searchAuthors(name, opts)),
          ),
        getAuthor: (id, opts) =>
          once(`author ${JSON.stringify(id)}`, () =>
            retry({ kind: 'openalex' }, () => deps.directory!.getAuthor(id, opts)),
          ),
        listWorks: (id, opts) =>
          once(`works ${id} ${opts.limit}`, () =>
            retry({ kind: 'openalex' }, () => deps.directory!.listWorks(id, opts)),
          ),
      },
      models: deps.models,
      signal,
    };
  };

  const run = async <S extends StepName>(
    step: S,
    fn: (ports: StepPorts) => Promise<StepResult<StepOutputs[S]>>,
  ): Promise<void> => {
    if (signal?.aborted) throw stepError(step, signal.reason, signal);
    emit({ step, kind: 'started' });
    const started = elapsed();
    let result: StepResult<StepOutputs[S]>;
    try {
      result = await observer.step(step, () => fn(portsFor(step)));
    } catch (err) {
      // Stopped to ask "Which …?": the step has not failed, it waits.
      if (err instanceof AwaitingIdentity) throw err;
      const error = stepError(step, err, signal);
      logger.warn({ step, err: error }, 'step failed');
      // The text of an error that is not ours was never written for the person (it is in the log).
      const ours = err instanceof ScribeError || signal?.aborted;
      emit({ step, kind: 'failed', message: ours ? error.message : `${STEP_LABELS[step]} failed unexpectedly.` });
      throw error;
    }
    const durationMs = Math.round(elapsed() - started);
    const finishedAt = new Date(now()).toISOString();
    await record(step, { status: 'done', output: result.output, durationMs, warnings: result.warnings, finishedAt });
    logger.debug({ step, durationMs, warnings: result.warnings.length }, 'step finished');
    emit({ step, kind: 'finished', durationMs, warnings: result.warnings });
  };

  const skip = async (step: StepName, reason: string) => {
    await record(step, {
      status: 'skipped',
      output: null,
      durationMs: 0,
      warnings: [],
      finishedAt: new Date(now()).toISOString(),
    });
    emit({ step, kind: 'skipped', reason });
  };

  // The cached record keeps its own duration and finishedAt: the TTL runs from the original research.
  const reuse = async <S extends 'research' | 'identity' | 'arxiv'>(step: S, cached: StepRecord<S>) => {
    await record(step, { ...cached, reused: true });
    emit({ step, kind: 'finished', durationMs: cached.durationMs, warnings: cached.warnings, reused: true });
  };

  const { input } = data;
  const scope = options.cacheScope;
  const cache = deps.cache && deps.researchCacheTtlMs > 0 && scope ? deps.cache : undefined;
  // Whom the research is for, whatever the template: known before the parse.
  const recipientKey = scope ? recipientCacheKey({ ...input, scope }) : undefined;

  // Research's background search needs only the recipient, so it starts with the generation, while
  // the template is parsed (issue 24: a page it needs is read meanwhile, not after the parse and
  // the search). Not when the research is done or held already; not for a template whose
  // placeholders are all the sender's (read in code, as the parse does: nothing is spent on it);
  // not when this recipient's research is in the cache (the run will probably reuse it). Stopped
  // when the research turns out not to be needed (a cache hit after all, a failed parse).
  const early = new AbortController();
  // The search, once the cache has said whether to make it: asked alongside the parse, not before it.
  let earlySearch: Promise<{ answer: Promise<WebSearchAnswer> } | undefined> | undefined;
  if (
    !steps.parse &&
    !steps.research &&
    !steps.identity?.output?.held &&
    hasRecipientSlot(slotsInCode(input.template))
  ) {
    const reusable =
      cache?.holdsRecipient && recipientKey && !options.freshResearch
        ? // The cache is down: the run will say so; no search it may not need.
          cache.holdsRecipient(recipientKey, deps.researchCacheTtlMs).catch(() => true)
        : Promise.resolve(false);
    earlySearch = reusable.then((reuse) => {
      if (reuse || early.signal.aborted) return undefined;
      const answer = searchBackground(
        input,
        {
          search: portsFor('research').search,
          signal: signal ? AbortSignal.any([signal, early.signal]) : early.signal,
        },
        deps.limits?.research,
      );
      answer.catch(() => undefined); // read (and reported) by the research step, or not needed
      return { answer };
    });
  }

  // Step 1.
  try {
    if (!steps.parse) await run('parse', (p) => parseTemplate(input, p));
  } catch (err) {
    early.abort(err);
    throw err;
  }
  const parsed = steps.parse?.output;
  if (!parsed) {
    throw new PermanentError(ErrorCode.Internal, 'The saved reading of the template is missing; start a new email.', {
      step: 'parse',
    });
  }
  const wantsArxiv = parsed.templateType === 'RESEARCH';
  // Nothing for research to fill: the email is the template as written, and nothing is spent on it.
  if (!parsed.hasRecipientSlot) {
    if (!steps.research) await skip('research', SKIP_REASON_NO_SLOT);
    if (!steps.arxiv) await skip('arxiv', SKIP_REASON_NO_SLOT);
  }

  // Steps 2 and 3, from the cache when it has them.
  const key = scope
    ? researchCacheKey({
        ...input,
        scope,
        templateType: parsed.templateType,
        searchTerms: parsed.searchTerms,
        identityHint: input.identityHint,
      })
    : '';
  if (cache && !options.freshResearch && (!steps.research || !steps.identity || (wantsArxiv && !steps.arxiv))) {
    const hit = await cache.get(key, deps.researchCacheTtlMs).catch((err: unknown) => {
      logger.warn({ err }, 'research cache unavailable; researching afresh');
      return undefined;
    });
    if (!steps.research && isCachedRecord(hit?.research)) await reuse('research', hit.research);
    if (!steps.identity && isCachedRecord(hit?.identity)) await reuse('identity', hit.identity);
    if (wantsArxiv && !steps.arxiv && isCachedRecord(hit?.arxiv)) await reuse('arxiv', hit.arxiv);
  }
  // The early search is not needed: the research came from the cache, or there is none to do.
  if (steps.research) early.abort();
  const background = (await earlySearch)?.answer;
  const fresh: StepName[] = [];
  // An arXiv author id's feed, read once for the identity (who) and the papers (what they wrote).
  const arxivId = input.identityHint?.arxivAuthorId;
  let feed: Promise<Paper[]> | undefined;
  const authorFeed = (p: StepPorts) => {
    const byAuthorId = p.papers.byAuthorId;
    if (!arxivId || !byAuthorId) return undefined;
    return () => {
      feed ??= byAuthorId(arxivId, { signal });
      return feed;
    };
  };
  // "Which …?" is asked only while the research is still to be written from the pages it read.
  const asking = options.askIdentity === true && !steps.research;
  const held = steps.identity?.output?.held;
  // What the research read and arXiv answered, kept on the identity record if the run stops to ask.
  let readNow: IdentityHeld | undefined;
  let papersNow: Paper[] | undefined;
  const corpusChars = deps.limits?.research?.maxCorpusChars ?? RESEARCH_LIMITS.maxCorpusChars;
  // Who the recipient is, settled once: from the pages the research reads, or, when the research
  // is already done (a retry, a row from before issue 20), from the directory and the interest alone.
  let pagesRead: (pages: readonly PageText[]) => void = () => undefined;
  let researchFailed: (err: unknown) => void = () => undefined;
  const pages = new Promise<readonly PageText[]>((resolve, reject) => {
    pagesRead = resolve;
    researchFailed = reject;
  });
  // A row whose research and papers were chosen before issue 20 has nothing left for it to decide.
  const needed = !steps.research || (wantsArxiv && !steps.arxiv);
  const identifyFrom = (p: StepPorts, read: readonly PageText[]) =>
    identifyRecipient(
      { ...input, hint: input.identityHint, pages: read },
      {
        directory: p.directory,
        pageReader: { read: (url, o) => once(`page ${url}`, () => p.pages.read(url, o)) },
        arxivAuthorPapers: mapFeed(authorFeed(p)),
        signal,
      },
    );
  // Who the person is, from the pages read so far, recorded nowhere: the research's question
  // whether its publications search is needed. Only when the identity can be confirmed at all.
  const canConfirm = !steps.identity && (deps.directory !== undefined || (arxivId && deps.papers.byAuthorId));
  const preview = canConfirm
    ? async (read: readonly PageText[]) => (await identifyFrom(portsFor('identity'), read)).output
    : undefined;
  const decided: Promise<IdentityOutput | undefined> = steps.identity
    ? Promise.resolve(identityOf(steps.identity))
    : !needed
      ? Promise.resolve(undefined)
      : pages.then(async (read) => {
          await run('identity', (p) => identifyFrom(p, read));
          fresh.push('identity');
          return identityOf(steps.identity);
        });
  const identity = decided.then((out) => {
    if (asking && out?.decision === 'ambiguous') throw new AwaitingIdentity();
    return out;
  });
  // Whoever needs it reports the failure; this keeps an unawaited rejection from being unhandled.
  identity.catch(() => undefined);
  const concurrent: Promise<void>[] = [identity.then(() => undefined)];
  const settled = async () => (await identity) ?? identityOf(undefined);
  if (steps.research) pagesRead([]);
  else {
    const identify = (read: readonly PageText[], warnings: readonly string[]) => {
      readNow = {
        pages: read.map(({ url, title, text }) => ({ url, title, text: text.slice(0, corpusChars) })),
        warnings: [...warnings],
      };
      pagesRead(read);
      return settled();
    };
    concurrent.push(
      run('research', (p) =>
        researchRecipient(
          { input, parsed, identify, held, preview },
          { ...p, pagesDeadlineMs: deps.pagesDeadlineMs, background },
          deps.limits?.research,
        ),
      ).then(
        () => {
          // A research that ended without asking (nothing to read) must not leave arXiv waiting.
          pagesRead([]);
          fresh.push('research');
        },
        (err: unknown) => {
          researchFailed(err);
          throw err;
        },
      ),
    );
  }
  if (!steps.arxiv) {
    const answered = (found: readonly Paper[]) => {
      papersNow = [...found];
      return settled();
    };
    concurrent.push(
      wantsArxiv
        ? run('arxiv', (p) =>
            findPapers(
              {
                ...input,
                searchTerms: parsed.searchTerms,
                identity: answered,
                held: held?.papers,
                authorFeed: authorFeed(p),
              },
              p,
              deps.limits?.arxiv,
            ),
          ).then(() => void fresh.push('arxiv'))
        : skip('arxiv', SKIP_REASON_ARXIV),
    );
  }
  // Wait for all even when one fails, so the others' outputs are saved for the next try. The
  // identity's own failure (an ORCID OpenAlex does not know) comes first: it is the cause.
  const outcomes = await Promise.allSettled(concurrent);
  const stops = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
  const awaiting = stops.some((e) => e instanceof AwaitingIdentity);
  if (awaiting && steps.identity?.output) {
    // Kept for the answer: the pages read and arXiv's answer, so it resumes without a new search.
    const keep: IdentityHeld = {
      pages: readNow?.pages ?? held?.pages ?? [],
      warnings: readNow?.warnings ?? held?.warnings ?? [],
      papers: papersNow ?? held?.papers,
    };
    await record('identity', { ...steps.identity, output: { ...steps.identity.output, held: keep } });
  }
  const failure = stops.find((e) => !(e instanceof AwaitingIdentity));
  if (failure !== undefined) throw failure;
  if (awaiting) return { input, steps, awaiting: 'identity' };
  if (steps.identity?.output?.held && steps.research && (steps.arxiv || !wantsArxiv)) {
    // The research is written from the held pages: they are not needed any more.
    const { held: _done, ...settledIdentity } = steps.identity.output;
    await record('identity', { ...steps.identity, output: settledIdentity });
  }
  if (cache && fresh.length > 0 && (steps.research?.output?.sources.length ?? 0) > 0) {
    const value: CachedResearch = {
      research: withoutReuse(steps.research),
      identity: withoutReuse(steps.identity),
      arxiv: withoutReuse(steps.arxiv),
    };
    await cache
      .put(key, value, recipientKey)
      .catch((err: unknown) => logger.warn({ err }, 'could not store research in the cache'));
  }

  // Step 4.
  if (options.stopBeforeCompose && !steps.compose) return { input, steps };
  if (!steps.compose) {
    const research = steps.research?.output;
    const papers = steps.arxiv?.output?.papers ?? [];
    await run('compose', (p) =>
      composeEmail({ input, parsed, research, papers }, { ...p, onEmailText: options.onEmailText }),
    );
  }
  return { input, steps };
}

/** The feed reader in the identity step's shape (an id and a signal; the id is the hint's, already bound). */
function mapFeed(read: (() => Promise<Paper[]>) | undefined) {
  return read && ((_id: string, _signal?: AbortSignal) => read());
}

/** The identity record's output; the step is never skipped, so a record always holds one. */
function identityOf(rec: StepRecord<'identity'> | undefined): IdentityOutput {
  if (!rec?.output) {
    throw new PermanentError(ErrorCode.Internal, 'The saved identity of the recipient is missing; start a new email.', {
      step: 'identity',
    });
  }
  return rec.output;
}

/** A cached record as we stored it (it went through JSON and the database). */
function isCachedRecord<R extends StepRecord>(rec: R | undefined): rec is R {
  return (
    rec !== undefined &&
    rec !== null &&
    (rec.status === 'done' || rec.status === 'skipped') &&
    Array.isArray(rec.warnings)
  );
}

function withoutReuse<R extends StepRecord>(rec: R | undefined): R | undefined {
  if (!rec) return undefined;
  const { reused: _reused, ...rest } = rec;
  return rest as R;
}

/**
 * The error a failed step throws: the same class (so retry-or-fail is decided the same way),
 * `step` set, and the message saying which step failed.
 */
export function stepError(step: StepName, err: unknown, signal?: AbortSignal): ScribeError {
  const label = STEP_LABELS[step];
  if (signal?.aborted) {
    return new RetryableError(
      ErrorCode.Internal,
      `${label} was interrupted (the worker stopped, or another took the job over); it will resume from the last finished step.`,
      { step, cause: err },
    );
  }
  if (!(err instanceof ScribeError)) {
    const message = err instanceof Error ? err.message : String(err);
    return new ScribeError(
      ErrorCode.Internal,
      `${label} failed unexpectedly (${message}). This is a bug in Scribe: try again, and tell the maintainers if it keeps happening.`,
      { step, cause: err },
    );
  }
  const details = { service: err.service, status: err.status, step, cause: err };
  const message = `${label} failed: ${err.message}`;
  if (err instanceof InvalidAnswerError) {
    const hint = step === 'compose' ? 'Try again.' : 'Try again; if it keeps happening, simplify the template.';
    const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
    return new InvalidAnswerError(`${sentence} ${hint}`, { ...details, raw: err.raw, issues: err.issues });
  }
  if (err instanceof RetryableError)
    return new RetryableError(err.code, message, { ...details, retryAfterMs: err.retryAfterMs });
  if (err instanceof PermanentError) return new PermanentError(err.code, message, details);
  return new ScribeError(err.code, message, details);
}
