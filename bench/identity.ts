/**
 * The namesake suite (issue 20): for each recipient of test/fixtures/identity, today's name-only
 * arXiv path (the arXiv step's query and top five, the real arXiv client against the arXiv fake)
 * against the identity step (the real OpenAlex client against the OpenAlex fake) and its paper
 * filter. Precision is the share of papers handed to the composer that the true person wrote;
 * an ambiguous case is answered as the user would (the true person, or "None of these").
 */
import { createArxivPapers } from '../src/pipeline/clients/arxiv.ts';
import { createOpenAlexDirectory } from '../src/pipeline/clients/openalex.ts';
import { chooseIdentity, filterPapers, NONE_OF_THESE } from '../src/pipeline/identity/filter.ts';
import { validateIdentityHint } from '../src/pipeline/identity/hint.ts';
import { findPapers } from '../src/pipeline/steps/arxiv.ts';
import { resolveIdentity } from '../src/pipeline/steps/identity.ts';
import type { Paper } from '../src/pipeline/types.ts';
import { startFakeArxiv } from '../test/fakes/arxiv.ts';
import { startFakeOpenAlex } from '../test/fakes/openalex.ts';
import { authorOfPaper, buildWorld, SUITE_NOW, type World } from '../test/fixtures/identity/world.ts';
import { report } from './report.ts';

const KEY = 'bench-openalex-key';

export async function benchIdentity(): Promise<void> {
  const world = buildWorld();
  const arxiv = await startFakeArxiv(world.papers);
  const openalex = await startFakeOpenAlex(world.authors, world.works);
  openalex.requireKey = KEY;
  const papers = createArxivPapers({ apiUrl: arxiv.apiUrl, minIntervalMs: 0 });
  const directory = createOpenAlexDirectory({ apiUrl: openalex.url, apiKey: KEY });
  const tally = { handed: 0, right: 0, baseHanded: 0, baseRight: 0, wrong: 0, asked: 0, askedClear: 0, clear: 0 };
  const verbose = process.env.BENCH_VERBOSE === '1';
  try {
    for (const c of world.cases) {
      const base = await findPapers(
        { recipientName: c.name, recipientInterest: c.interest, searchTerms: [] },
        { papers },
      );
      const baseline = score(world, base.output.papers, c.truth);
      tally.baseHanded += baseline.handed;
      tally.baseRight += baseline.right;

      const check = validateIdentityHint(c.hint);
      if (!check.ok) throw new Error(`case ${c.name}: ${check.problems.join('; ')}`);
      if (c.rateLimited) openalex.failNext([{ status: 429 }]);
      const profile = c.profilePage;
      const { output } = await resolveIdentity(
        { recipientName: c.name, recipientInterest: c.interest, hint: check.hint, pages: c.pages },
        {
          directory,
          pageReader: profile
            ? { read: async (url) => ({ url, finalUrl: url, title: profile.title, text: profile.text, via: 'http' }) }
            : undefined,
          now: () => SUITE_NOW,
        },
      );
      let identity = output;
      if (c.clear) tally.clear++;
      if (identity.decision === 'ambiguous') {
        tally.asked++;
        if (c.clear) tally.askedClear++;
        const truth = identity.candidates.find((x) => c.acceptableIds.includes(x.author.id));
        identity = chooseIdentity(identity, truth?.author.id ?? NONE_OF_THESE);
      } else if (identity.decision === 'confident' && !c.acceptableIds.includes(identity.chosenId ?? '')) {
        tally.wrong++;
      }
      const found = await papers.byAuthor(c.name, { maxResults: 20 });
      const kept = filterPapers(found, identity, { query: [c.interest] });
      const ours = score(world, kept, c.truth);
      tally.handed += ours.handed;
      tally.right += ours.right;
      if (verbose) {
        process.stderr.write(
          `${c.name} (${c.truth}): ${output.decision} ${output.candidates.map((x) => `${x.author.id}=${x.score}`).join(' ')}; ` +
            `papers ${ours.right}/${ours.handed}, baseline ${baseline.right}/${baseline.handed}\n`,
        );
      }
    }
  } finally {
    await Promise.all([arxiv.close(), openalex.close()]);
  }
  const ratio = (a: number, b: number) => (b === 0 ? 1 : Math.round((a / b) * 1000) / 1000);
  report({
    bench: 'identity.namesakes',
    cases: world.cases.length,
    paper_precision: ratio(tally.right, tally.handed),
    wrong_person: tally.wrong,
    asked: tally.asked,
    asked_when_clear: ratio(tally.askedClear, tally.clear),
    baseline_paper_precision: ratio(tally.baseRight, tally.baseHanded),
  });
}

function score(world: World, papers: readonly Paper[], truth: string): { handed: number; right: number } {
  return { handed: papers.length, right: papers.filter((p) => authorOfPaper(world, p) === truth).length };
}
