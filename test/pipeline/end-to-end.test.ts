/**
 * The whole pipeline with the real clients (Anthropic SDK, exa-js, fetch + XML parser, the page
 * reader) against the local fakes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { memoryCache } from './doubles.ts';
import { runPipeline, type PipelineDeps } from '../../src/pipeline/runner.ts';
import type { PipelineData, ProgressEvent } from '../../src/pipeline/types.ts';
import { OVERLOADED } from '../fakes/anthropic.ts';
import { RECIPIENT, TEMPLATE, startServices, type Services } from '../helpers/services.ts';

let services: Services;
let clients: PipelineClients;
const logger = silentLogger();

beforeAll(async () => {
  services = await startServices();
  clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
});
afterAll(async () => {
  await clients?.close();
  await services?.close();
});

function deps(extra: Partial<PipelineDeps> = {}): PipelineDeps {
  return {
    ...clients,
    models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
    researchCacheTtlMs: 0,
    retry: { baseMs: 10, maxMs: 50 },
    logger,
    ...extra,
  };
}

const fresh = (): PipelineData => ({ input: { template: TEMPLATE, ...RECIPIENT }, steps: {} });

describe('the pipeline end to end', () => {
  it('writes the email from the template, the web and arXiv, with numbered sources', async () => {
    const events: ProgressEvent[] = [];
    const data = await runPipeline(fresh(), deps(), { onProgress: (e) => events.push(e) });

    expect(data.steps.parse?.output).toMatchObject({
      templateType: 'RESEARCH',
      placeholders: expect.arrayContaining(['{{last_name}}', '[their research topic]']),
    });
    const research = data.steps.research?.output;
    expect(research?.sources.map((s) => s.url)).toEqual(['https://uni.example/~ada', services.pages.page('/profile')]);
    expect(research?.summary).toMatch(/\[1\]/);
    // No OpenAlex key: who wrote them is not verified, so only the paper about the interest is used (issue 20).
    expect(data.steps.identity?.output).toMatchObject({ decision: 'no-source' });
    expect(data.steps.arxiv?.output?.papers.map((p) => p.id)).toEqual(['2401.00010']);
    const email = data.steps.compose?.output;
    expect(email?.draft).toBe(false);
    expect(email?.email).toContain('Dear Dr. Lovelace,');
    expect(email?.email).toContain('I read your recent work on analytical engines with great interest.');
    expect(email?.email).not.toMatch(/\{\{|\[their/);

    // The page Exa gave no text for was read over HTTP, and the model saw it as quoted data.
    expect(services.pages.requests.some((r) => r.path === '/profile')).toBe(true);
    const summaryCall = services.anthropic.callsFor('research_summary').at(-1);
    expect(summaryCall?.messages[0]?.content).toContain('<sources>');
    expect(
      events
        .filter((e) => e.kind === 'finished')
        .map((e) => e.step)
        .sort(),
    ).toEqual(['arxiv', 'compose', 'identity', 'parse', 'research']);
  });

  it('runs research and arXiv at the same time', async () => {
    services.anthropic.latencyFor.parsed_template = 100;
    services.exa.latencyMs = 300;
    services.arxiv.latencyMs = 300;
    try {
      await runPipeline(fresh(), deps());
      // Side by side, not one after another: each request arrived while the others were still
      // being answered (every answer takes 300 ms). A sequential run would put 300 ms between them.
      const exaAt = services.exa.requests.slice(-2).map((r) => r.at);
      const arxivAt = services.arxiv.requests.at(-1)!.at;
      const first = Math.min(arxivAt, ...exaAt);
      for (const at of [arxivAt, ...exaAt]) expect(at - first).toBeLessThan(300);
    } finally {
      services.anthropic.latencyFor.parsed_template = 0;
      services.exa.latencyMs = 0;
      services.arxiv.latencyMs = 0;
    }
  });

  it('retries an overloaded model and succeeds', async () => {
    services.anthropic.failNext([OVERLOADED, OVERLOADED]);
    const before = services.anthropic.requests.length;
    const events: ProgressEvent[] = [];
    const data = await runPipeline(fresh(), deps(), { onProgress: (e) => events.push(e) });
    expect(data.steps.compose?.output?.email).toContain('Dear Dr. Lovelace');
    expect(events.filter((e) => e.kind === 'retrying')).toHaveLength(2);
    // parse, summary and compose, plus the two overloaded answers that were retried.
    expect(services.anthropic.requests.length - before).toBe(3 + 2);
  });

  it('calls no search, page or arXiv service when the research is cached', async () => {
    const cache = memoryCache();
    const cacheScope = { platform: 'slack', teamId: 'T1', userId: 'u1' };
    await runPipeline(fresh(), deps({ cache, researchCacheTtlMs: 60_000 }), { cacheScope });
    const counts = () => [services.exa.requests.length, services.arxiv.requests.length, services.pages.requests.length];
    const before = counts();
    const again = await runPipeline(
      {
        input: { template: TEMPLATE, recipientName: ' ada  LOVELACE ', recipientInterest: 'Analytical engines' },
        steps: {},
      },
      deps({ cache, researchCacheTtlMs: 60_000 }),
      { cacheScope },
    );
    expect(counts()).toEqual(before);
    expect(again.steps.research?.reused).toBe(true);
    expect(again.steps.compose?.output?.email).toContain('Dear Dr.');
  });

  it.each([
    [
      'German',
      'Betreff: Ihre Arbeit zu [Thema]\n\nSehr geehrte Frau Professorin {{last_name}},\n\nmit großem Interesse habe ich von [Thema] gelesen. [persönliche Notiz]\n\nMit freundlichen Grüßen\n[Ihr Name]\n[Ihre Universität]',
      /Ihrer Forschung zu analytical engines/,
    ],
    [
      'Chinese',
      '尊敬的{{last_name}}教授：\n\n您好！我读了您关于[研究方向]的工作，收获很大。[个性化一句]\n\n此致\n敬礼\n[您的姓名]',
      /analytical engines方面的研究/,
    ],
  ])(
    'keeps a %s template byte for byte, its fills in its language and its sender slots visible',
    async (_, template, fill) => {
      const data = await runPipeline({ input: { template, ...RECIPIENT }, steps: {} }, deps());
      const parsed = data.steps.parse?.output;
      const compose = data.steps.compose?.output;
      expect(compose?.problems).toEqual([]);
      const filled = parsed?.slots.filter((s) => s.owner !== 'sender') ?? [];
      const sender = parsed?.slots.filter((s) => s.owner === 'sender').map((s) => s.placeholder) ?? [];
      expect(sender.length).toBeGreaterThan(0);
      // Undo the fills (longest first: one may hold another): what is left is the template, every byte of it.
      let back = compose?.email ?? '';
      for (const f of [...(compose?.fills ?? [])].sort((a, b) => b.text.length - a.text.length))
        back = back.split(f.text).join(f.slot);
      expect(back).toBe(template);
      expect(compose?.fills?.map((f) => f.slot).sort()).toEqual(filled.map((s) => s.placeholder).sort());
      expect(compose?.email).toMatch(fill);
      for (const slot of sender) expect(compose?.email).toContain(slot);
      for (const f of compose?.fills ?? []) if (f.slot !== '{{last_name}}') expect(f.sources.length).toBeGreaterThan(0);
    },
  );
});
