/**
 * The identity step inside the pipeline (issue 20), with the real clients against the fakes (two
 * Ada Lovelaces in OpenAlex, test/helpers/namesakes.ts): a page about the namesake is left out
 * before the summary; OpenAlex down after the retries is "not verified", not a failed email; an
 * ORCID OpenAlex does not know fails in words; a saved identity is not asked again.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { runPipeline, type PipelineDeps } from '../../src/pipeline/runner.ts';
import type { IdentityHint, PipelineData, StepRecords } from '../../src/pipeline/types.ts';
import { PROFILE_TEXT } from '../fakes/pages.ts';
import { chooseIdentity, NONE_OF_THESE } from '../../src/pipeline/identity/filter.ts';
import {
  ADA_JOURNAL_PAPER,
  ADA_NAMESAKES,
  CLOSE_ADA_PAPER,
  CLOSE_NAMESAKE_PAPER,
  closeNamesakes,
  NAMESAKE_PAPER,
} from '../helpers/namesakes.ts';
import {
  composerPrompt,
  OPENALEX_TEST_KEY,
  RECIPIENT,
  TEMPLATE,
  startServices,
  type Services,
} from '../helpers/services.ts';

let services: Services;
let clients: PipelineClients;
const logger = silentLogger();

beforeAll(async () => {
  services = await startServices();
  clients = createPipelineClients(services.config({ OPENALEX_API_KEY: OPENALEX_TEST_KEY }), logger, {
    arxivIntervalMs: 0,
  });
});
afterEach(() => services.openalex.clearFailures());
afterAll(async () => {
  await clients?.close();
  await services?.close();
});

const deps = (): PipelineDeps => ({
  ...clients,
  models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
  researchCacheTtlMs: 0,
  retry: { baseMs: 5, maxMs: 10 },
  logger,
});
const fresh = (identityHint?: IdentityHint, steps: StepRecords = {}): PipelineData => ({
  input: { template: TEMPLATE, ...RECIPIENT, identityHint },
  steps,
});

const LEEDS_PAGE = {
  url: 'https://leeds.example/~lovelace',
  title: 'Ada Lovelace — University of Leeds',
  text: `Ada Lovelace is a lecturer at the University of Leeds who studies textile machinery and weaving looms. ${PROFILE_TEXT}`,
};

describe('the identity step in the pipeline', () => {
  it('leaves a page about the namesake out of the summary, and says so under the research', async () => {
    services.exa.results(/Lovelace/, [
      { url: 'https://uni.example/~ada', title: 'Ada Lovelace — University of London', text: PROFILE_TEXT },
      LEEDS_PAGE,
    ]);
    try {
      const summaries = services.anthropic.callsFor('research_summary').length;
      const data = await runPipeline(fresh(), deps());
      expect(data.steps.identity?.output).toMatchObject({ decision: 'confident', chosenId: 'A100' });
      expect(data.steps.research?.output?.sources.map((s) => s.url)).toEqual(['https://uni.example/~ada']);
      expect(data.steps.research?.warnings.join('\n')).toMatch(
        /1 page left out, about someone else: leeds\.example.*another Ada Lovelace \(University of Leeds\)/,
      );
      const summariser = JSON.stringify(services.anthropic.callsFor('research_summary').slice(summaries));
      expect(summariser).not.toContain('leeds.example');
      expect(composerPrompt(services)).toContain(ADA_JOURNAL_PAPER);
      expect(composerPrompt(services)).not.toContain(NAMESAKE_PAPER);
    } finally {
      services.exa.results(/Lovelace/, services.exa.defaults);
    }
  });

  it('writes the email when OpenAlex stays down, saying the identity was not verified', async () => {
    services.openalex.failNext(Array.from({ length: 10 }, () => ({ status: 503 })));
    const data = await runPipeline(fresh(), deps());
    expect(data.steps.compose?.output?.email).toContain('Dear Dr. Lovelace');
    expect(data.steps.identity?.output).toMatchObject({ decision: 'no-source' });
    expect(data.steps.identity?.output?.note).toMatch(/^identity not verified: OpenAlex did not answer/);
    expect(data.steps.arxiv?.output?.papers.map((p) => p.id)).toEqual(['2401.00010']);
  });

  it('fails in words, as the identity step, for an ORCID iD OpenAlex does not know', async () => {
    const error = await runPipeline(fresh({ orcid: '0000-0001-5109-3700' }), deps()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ step: 'identity' });
    expect((error as Error).message).toBe(
      'Checking who the recipient is failed: OpenAlex has no author with the ORCID iD 0000-0001-5109-3700: check it, or leave it out and Scribe will find the person by name.',
    );
  });

  it('does not ask OpenAlex again for a saved identity', async () => {
    const first = await runPipeline(fresh(), deps());
    const requests = services.openalex.requests.length;
    const { parse, identity } = first.steps;
    const again = await runPipeline(fresh(undefined, { parse, identity }), deps());
    expect(services.openalex.requests.length).toBe(requests);
    expect(again.steps.identity).toBe(identity);
    expect(again.steps.arxiv?.output?.papers.map((p) => p.title)).toEqual([
      'Programs for analytical engines',
      ADA_JOURNAL_PAPER,
    ]);
  });
});

describe('"Which Ada Lovelace?": the run stops to ask, and the answer resumes it', () => {
  beforeAll(() => {
    Object.assign(services.openalex, closeNamesakes());
  });
  afterAll(() => {
    Object.assign(services.openalex, { authors: ADA_NAMESAKES.authors, works: ADA_NAMESAKES.works });
  });

  const calls = () => ({
    parse: services.anthropic.callsFor('parsed_template').length,
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
    openalex: services.openalex.requests.length,
  });

  /** Runs until the question, then answers `choice` and runs again; the second run's new calls. */
  async function askThenAnswer(choice: (ids: string[]) => string) {
    const asked = await runPipeline(fresh(), deps(), { askIdentity: true });
    expect(asked.awaiting).toBe('identity');
    const identity = asked.steps.identity!;
    expect(identity.output).toMatchObject({ decision: 'ambiguous' });
    // Nothing summarised or written yet; the pages read and arXiv's answer are kept for the answer.
    expect(asked.steps.research).toBeUndefined();
    expect(asked.steps.arxiv).toBeUndefined();
    expect(asked.steps.compose).toBeUndefined();
    expect(identity.output!.held?.pages.length).toBeGreaterThan(0);
    expect(identity.output!.held?.papers?.map((p) => p.id)).toContain('2401.00010');

    const chosen = chooseIdentity(identity.output!, choice(identity.output!.candidates.map((c) => c.author.id)));
    const before = calls();
    const composed = services.anthropic.callsFor('email').length;
    const done = await runPipeline(
      fresh(undefined, { parse: asked.steps.parse, identity: { ...identity, output: chosen } }),
      deps(),
      { askIdentity: true },
    );
    expect(calls()).toEqual(before);
    expect(services.anthropic.callsFor('email').length).toBeGreaterThan(composed);
    expect(done.steps.identity?.output?.held).toBeUndefined();
    return done;
  }

  it('asks, and the choice writes with only that person’s papers: no parser call, no search', async () => {
    const done = await askThenAnswer(() => 'A100');
    expect(done.awaiting).toBeUndefined();
    expect(done.steps.identity?.output).toMatchObject({ decision: 'confident', basis: 'choice', chosenId: 'A100' });
    const prompt = composerPrompt(services);
    expect(prompt).toContain(CLOSE_ADA_PAPER);
    expect(prompt).toContain(ADA_JOURNAL_PAPER);
    expect(prompt).not.toContain(CLOSE_NAMESAKE_PAPER);
    expect(prompt).not.toContain(NAMESAKE_PAPER);
  });

  it('"None of these" writes without papers and says so', async () => {
    const done = await askThenAnswer(() => NONE_OF_THESE);
    expect(done.steps.arxiv?.output?.papers).toEqual([]);
    expect(done.steps.arxiv?.warnings).toEqual(['No papers used: you said none of the candidates is the person.']);
    expect(done.steps.identity?.output?.note).toBe('no papers used: you said none of the candidates is the person');
    const prompt = composerPrompt(services);
    expect(prompt).not.toContain(CLOSE_ADA_PAPER);
    expect(prompt).not.toContain(CLOSE_NAMESAKE_PAPER);
  });

  it('without askIdentity (the terminal), goes the unverified way as before', async () => {
    const data = await runPipeline(fresh(), deps());
    expect(data.awaiting).toBeUndefined();
    expect(data.steps.identity?.output).toMatchObject({ decision: 'ambiguous' });
    expect(data.steps.compose?.output?.email).toContain('Dear Dr. Lovelace');
  });
});
