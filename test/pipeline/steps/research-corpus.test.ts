/**
 * The research step with the real clients (exa-js, the page reader, the Anthropic SDK) against the
 * fakes: a 2 MB page of filler or of long prose among the results must not crowd out the
 * recipient's short profile (issue 18.6).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../../src/pipeline/clients/index.ts';
import { RESEARCH_LIMITS, researchRecipient } from '../../../src/pipeline/steps/research.ts';
import type { MessagesRequest } from '../../fakes/anthropic.ts';
import type { FillerKind } from '../../fakes/filler.ts';
import { RECIPIENT, startServices, type Services } from '../../helpers/services.ts';
import { parsedTemplate } from '../fixtures.ts';

let services: Services;
let clients: PipelineClients;

beforeAll(async () => {
  services = await startServices();
  clients = createPipelineClients(services.config(), silentLogger());
});
afterAll(async () => {
  await clients?.close();
  await services?.close();
});

const SIZE = 2_000_000;
let run = 0;

/** Researches Ada with `first` as the first search result and her profile page second. */
async function researchWith(first: string) {
  // A new interest per run gives its own search rule and its own summariser calls.
  const interest = `engines ${++run}`;
  const big = services.pages.page(first);
  const profile = services.pages.page('/profile');
  services.exa.results(new RegExp(interest), [
    { url: big, title: 'A big page', text: undefined },
    { url: profile, title: 'Ada Lovelace — profile', text: undefined },
  ]);
  const before = services.anthropic.callsFor('research_summary').length;
  const result = await researchRecipient(
    {
      input: {
        template: 'Dear Dr. {{last_name}},',
        recipientName: RECIPIENT.recipientName,
        recipientInterest: interest,
      },
      parsed: parsedTemplate('GENERAL', ['{{last_name}}']),
    },
    { ...clients, models: { fast: 'claude-haiku-5-5' } },
  );
  const calls = services.anthropic.callsFor('research_summary').slice(before);
  return { ...result, calls, big, profile };
}

/** The text of source `n` in each summariser call's quoted sources. */
function quoted(calls: MessagesRequest[], n: number): string[] {
  const pattern = new RegExp(`<source n="${n}"[^>]*>\\n([\\s\\S]*?)\\n</source>`, 'g');
  return calls.flatMap((c) => [...(c.messages[0]?.content ?? '').matchAll(pattern)].map((m) => m[1] ?? ''));
}

const PROFILE_SENTENCE = 'finding 11 concerns loops in punched-card programs.';

describe('the research corpus', () => {
  it.each<FillerKind>(['lorem', 'lines', 'base64', 'numbers'])(
    'skips a 2 MB page of %s filler with a warning, and sends the profile',
    async (kind) => {
      const { output, warnings, calls, big, profile } = await researchWith(`/filler?kind=${kind}&size=${SIZE}`);

      expect(output.sources).toEqual([{ n: 1, url: profile, title: 'Ada Lovelace — profile' }]);
      expect(warnings).toEqual([
        expect.stringMatching(new RegExp(`^1 page skipped: not readable text \\(${new URL(big).host}/filler: `)),
      ]);
      expect(calls).toHaveLength(1);
      const [text] = quoted(calls, 1);
      expect(text).toContain(PROFILE_SENTENCE);
      expect(calls[0]?.messages[0]?.content.length).toBeLessThan(5_000);
    },
  );

  it('gives a 2 MB page of prose a fair share, and sends the short profile whole', async () => {
    const { output, warnings, calls, profile } = await researchWith(`/long?size=${SIZE}`);

    expect(warnings).toEqual([]);
    expect(output.sources.map((s) => s.url)).toEqual([expect.stringContaining('/long'), profile]);
    const profileText = quoted(calls, 2);
    expect(profileText).toHaveLength(1);
    expect(profileText[0]).toContain(PROFILE_SENTENCE);
    // The long page has the rest of the budget, cut at a sentence, and no more.
    const longText = quoted(
      calls.filter((c) => !c.messages[0]?.content.includes('<notes')),
      1,
    ).join('');
    const rest = RESEARCH_LIMITS.maxCorpusChars - (profileText[0]?.length ?? 0);
    expect(longText.length).toBeLessThanOrEqual(rest);
    expect(longText.length).toBeGreaterThan(rest - 300);
    expect(longText).toMatch(/\.$/);
  });
});
