/**
 * The recipient's address in the pipeline (issue 22, item 2), with the real clients against the
 * fakes: an address on a kept page becomes the research's `recipientEmail` with its source number;
 * one on a namesake's page (left out by the identity step) is never used; a `mailto:` link on a
 * page the reader fetched counts; no address on any page means none, never a guessed one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { runPipeline, type PipelineDeps } from '../../src/pipeline/runner.ts';
import type { PipelineData } from '../../src/pipeline/types.ts';
import { resultViewOf } from '../../src/thread/result-view.ts';
import { PROFILE_TEXT } from '../fakes/pages.ts';
import type { ExaResult } from '../fakes/exa.ts';
import { OPENALEX_TEST_KEY, RECIPIENT, TEMPLATE, startServices, type Services } from '../helpers/services.ts';

let services: Services;
let clients: PipelineClients;
const logger = silentLogger();

beforeAll(async () => {
  services = await startServices();
  clients = createPipelineClients(services.config({ OPENALEX_API_KEY: OPENALEX_TEST_KEY }), logger, {
    arxivIntervalMs: 0,
  });
});
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
const fresh = (): PipelineData => ({ input: { template: TEMPLATE, ...RECIPIENT }, steps: {} });

const LONDON = { url: 'https://uni.example/~ada', title: 'Ada Lovelace — University of London' };
const LEEDS_PAGE = {
  url: 'https://leeds.example/~lovelace',
  title: 'Ada Lovelace — University of Leeds',
  text: `Ada Lovelace is a lecturer at the University of Leeds who studies textile machinery and weaving looms. Email: ada.lovelace@leeds.example. ${PROFILE_TEXT}`,
};

/** A run whose searches find `results` (the fake's defaults: its rules are first-match and cannot be undone). */
async function researchWith(results: ExaResult[]) {
  const before = services.exa.defaults;
  services.exa.defaults = results;
  try {
    return await runPipeline(fresh(), deps());
  } finally {
    services.exa.defaults = before;
  }
}

describe("the recipient's address in the research", () => {
  it('is never taken from a namesake’s page, and never guessed', async () => {
    const data = await researchWith([{ ...LONDON, text: PROFILE_TEXT }, LEEDS_PAGE]);
    expect(data.steps.research?.warnings.join('\n')).toMatch(/1 page left out, about someone else: leeds\.example/);
    expect(data.steps.research?.output?.recipientEmail).toBeUndefined();
    expect(resultViewOf('Ada Lovelace', 1, data).recipientEmail).toBeUndefined();
  });

  it('is taken from her own page, with its source number, beside a namesake’s', async () => {
    const text = `${PROFILE_TEXT} Ada Lovelace, Professor — ada.lovelace@uni.example — Room 12. Enquiries: office@uni.example.`;
    const data = await researchWith([LEEDS_PAGE, { ...LONDON, text }]);
    expect(data.steps.research?.output?.sources.map((s) => s.url)).toEqual([LONDON.url]);
    expect(data.steps.research?.output?.recipientEmail).toEqual({ address: 'ada.lovelace@uni.example', source: 1 });
    expect(resultViewOf('Ada Lovelace', 1, data).recipientEmail).toEqual({
      address: 'ada.lovelace@uni.example',
      source: 1,
    });
  });

  it('counts a mailto: link on a page the reader fetched', async () => {
    const data = await researchWith([
      { ...LONDON, text: PROFILE_TEXT },
      { url: services.pages.page('/people/ada'), title: 'Ada Lovelace — People', text: undefined },
    ]);
    const sources = data.steps.research?.output?.sources ?? [];
    const people = sources.find((s) => s.url.endsWith('/people/ada'));
    expect(people).toBeDefined();
    expect(data.steps.research?.output?.recipientEmail).toEqual({
      address: 'ada.lovelace@uni.example',
      source: people!.n,
    });
  });
});
