/**
 * An arXiv author id given as the hint (issue 20), with the real clients against the fakes: the
 * author's feed (arxiv.org/a/<id>.atom2) is who the person is and what they wrote — with or
 * without OpenAlex — read once for both; an id arXiv does not know fails in words before anything
 * is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/errors.ts';
import { silentLogger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { describeIdentity } from '../../src/pipeline/identity/filter.ts';
import { runPipeline, type PipelineDeps } from '../../src/pipeline/runner.ts';
import type { IdentityHint, PipelineData } from '../../src/pipeline/types.ts';
import { ADA_JOURNAL_PAPER, NAMESAKE_PAPER } from '../helpers/namesakes.ts';
import {
  composerPrompt,
  OPENALEX_TEST_KEY,
  RECIPIENT,
  TEMPLATE,
  startServices,
  type Services,
} from '../helpers/services.ts';

const ADA_PAPER = 'Programs for analytical engines';

let services: Services;
let keyless: PipelineClients;
let keyed: PipelineClients;
const logger = silentLogger();

beforeAll(async () => {
  services = await startServices();
  // Ada (London) claimed her arXiv paper; her namesake (Leeds) claimed the looms survey.
  services.arxiv.authorFeeds = { lovelace_a_1: ['2401.00010'], lovelace_a_2: ['2301.00020'] };
  keyless = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
  keyed = createPipelineClients(services.config({ OPENALEX_API_KEY: OPENALEX_TEST_KEY }), logger, {
    arxivIntervalMs: 0,
  });
});
afterAll(async () => {
  await keyless?.close();
  await keyed?.close();
  await services?.close();
});

const deps = (clients: PipelineClients): PipelineDeps => ({
  ...clients,
  models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
  researchCacheTtlMs: 0,
  retry: { baseMs: 5, maxMs: 10 },
  logger,
});
const data = (identityHint: IdentityHint): PipelineData => ({
  input: { template: TEMPLATE, ...RECIPIENT, identityHint },
  steps: {},
});
const feedRequests = () => services.arxiv.authorFeedRequests().length;

describe('an arXiv author id as the hint', () => {
  it('without OpenAlex: the feed is the person and their papers, even against the pages found', async () => {
    const before = feedRequests();
    const result = await runPipeline(data({ arxivAuthorId: 'lovelace_a_2' }), deps(keyless));
    const identity = result.steps.identity?.output;
    expect(identity).toMatchObject({ decision: 'confident', basis: 'hint', chosenId: 'arxiv:lovelace_a_2' });
    expect(describeIdentity(identity!)).toBe('About: Ada Lovelace · arXiv author lovelace_a_2');
    expect(result.steps.arxiv?.output?.papers.map((p) => p.title)).toEqual([NAMESAKE_PAPER]);
    const prompt = composerPrompt(services);
    expect(prompt).toContain(NAMESAKE_PAPER);
    expect(prompt).not.toContain(ADA_PAPER);
    // One read of the feed served the identity and the papers.
    expect(feedRequests() - before).toBe(1);
  });

  it('with OpenAlex: the profile sharing the feed’s papers is the person; the papers are the feed’s', async () => {
    const result = await runPipeline(data({ arxivAuthorId: 'lovelace_a_1' }), deps(keyed));
    expect(result.steps.identity?.output).toMatchObject({ decision: 'confident', basis: 'hint', chosenId: 'A100' });
    expect(result.steps.arxiv?.output?.papers.map((p) => p.title)).toEqual([ADA_PAPER]);
    expect(composerPrompt(services)).not.toContain(NAMESAKE_PAPER);
    expect(composerPrompt(services)).not.toContain(ADA_JOURNAL_PAPER);
  });

  it('an id arXiv does not know fails in words, before the summary or the email', async () => {
    const summaries = services.anthropic.callsFor('research_summary').length;
    const emails = services.anthropic.callsFor('email').length;
    const failure = await runPipeline(data({ arxivAuthorId: 'lovelace_a_9' }), deps(keyless)).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PermanentError);
    expect((failure as Error).message).toMatch(/arXiv has no author lovelace_a_9: check the id/);
    expect(services.anthropic.callsFor('research_summary')).toHaveLength(summaries);
    expect(services.anthropic.callsFor('email')).toHaveLength(emails);
  });
});
