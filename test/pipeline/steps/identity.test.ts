/**
 * The identity step on the real OpenAlex and arXiv clients against their fakes, seeded with the
 * namesake suite (test/fixtures/identity): decisions, the question, the user's answer, and what
 * each does to the papers and sources the composer gets.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, PermanentError } from '../../../src/errors.ts';
import { createArxivPapers } from '../../../src/pipeline/clients/arxiv.ts';
import { createOpenAlexDirectory } from '../../../src/pipeline/clients/openalex.ts';
import {
  chooseIdentity,
  describeIdentity,
  filterPapers,
  filterSources,
  identityQuestion,
  NONE_OF_THESE,
} from '../../../src/pipeline/identity/filter.ts';
import { IdentityOutputSchema } from '../../../src/pipeline/identity/schema.ts';
import { ArxivOutputSchema } from '../../../src/pipeline/records.ts';
import { resolveIdentity, type IdentityInput } from '../../../src/pipeline/steps/identity.ts';
import type { IdentityOutput } from '../../../src/pipeline/types.ts';
import { startFakeArxiv, type FakeArxiv } from '../../fakes/arxiv.ts';
import { startFakeOpenAlex, type FakeOpenAlex } from '../../fakes/openalex.ts';
import { authorOfPaper, buildWorld, pageAbout, SUITE_NOW } from '../../fixtures/identity/world.ts';
import { PEOPLE } from '../../fixtures/identity/people.ts';

const KEY = 'identity-test-key';
const world = buildWorld();
const person = (key: string) => PEOPLE.find((p) => p.key === key)!;
let openalex: FakeOpenAlex;
let arxiv: FakeArxiv;
beforeAll(async () => {
  [openalex, arxiv] = await Promise.all([startFakeOpenAlex(world.authors, world.works), startFakeArxiv(world.papers)]);
  openalex.requireKey = KEY;
});
afterAll(() => Promise.all([openalex.close(), arxiv.close()]));
beforeEach(() => openalex.clearFailures());

const directory = () => createOpenAlexDirectory({ apiUrl: openalex.url, apiKey: KEY });
const papers = () => createArxivPapers({ apiUrl: arxiv.apiUrl, minIntervalMs: 0 });
const resolve = (input: IdentityInput) => resolveIdentity(input, { directory: directory(), now: () => SUITE_NOW });
const papersFor = async (name: string, interest: string, identity: IdentityOutput) =>
  filterPapers(await papers().byAuthor(name, { maxResults: 20 }), identity, { query: [interest] });

describe('resolveIdentity', () => {
  it('a clear namesake case: confident on the right Jun Li, with the evidence, and only her papers', async () => {
    const { output } = await resolve({
      recipientName: 'Jun Li',
      recipientInterest: '3D scene reconstruction',
      pages: [pageAbout(person('jun-li-mit')), pageAbout(person('jun-li-mit'))],
    });
    expect(output.decision).toBe('confident');
    expect(output.chosenId).toBe(world.profileOf.get('jun-li-mit'));
    expect(output.candidates[0]!.evidence.map((e) => e.detail)).toEqual([
      'Massachusetts Institute of Technology on 2 of 2 pages found',
      'works on scene, reconstruction',
      'published in 2025',
    ]);
    const kept = await papersFor('Jun Li', '3D scene reconstruction', output);
    expect(kept).toHaveLength(5);
    expect(new Set(kept.map((p) => authorOfPaper(world, p)))).toEqual(new Set(['jun-li-mit']));
    // Papers that are not on arXiv come from OpenAlex.
    expect(kept.some((p) => p.url.startsWith('https://doi.org/'))).toBe(true);
    // Every kept paper carries its venue from the OpenAlex record (arXiv's feed has none), which
    // the fill checks compare a named venue with; the record reads back with its schema.
    const venues = new Map(world.works.map((w) => [w.title, w.primary_location?.source?.display_name]));
    for (const p of kept) expect(p.venue).toBe(venues.get(p.title));
    expect(kept.some((p) => p.venue?.startsWith('Journal of'))).toBe(true);
    expect(ArxivOutputSchema.parse(JSON.parse(JSON.stringify({ papers: kept }))).papers).toEqual(kept);
    expect(describeIdentity(output)).toBe(
      `About: Jun Li · Massachusetts Institute of Technology · ORCID ${world.orcidOf.get('jun-li-mit')}`,
    );
    // The record is plain JSON that reads back with its schema.
    expect(IdentityOutputSchema.parse(JSON.parse(JSON.stringify(output)))).toEqual(JSON.parse(JSON.stringify(output)));
  });

  it('drops the web sources about another Jun Li', async () => {
    const mine = pageAbout(person('jun-li-mit'));
    const theirs = pageAbout(person('jun-li-tsinghua'));
    const { output } = await resolve({
      recipientName: 'Jun Li',
      recipientInterest: '3D scene reconstruction',
      pages: [mine, theirs],
    });
    const { kept, dropped } = filterSources(
      [mine, theirs, { url: 'https://news.example/x', title: 'Vision news' }],
      output,
    );
    expect(kept.map((s) => s.url)).toEqual([mine.url, 'https://news.example/x']);
    expect(dropped).toEqual([{ source: theirs, reason: 'about another Jun Li (Tsinghua University)' }]);
  });

  it('a merged profile: only the works the person wrote at the confirmed institution', async () => {
    const { output } = await resolve({
      recipientName: 'Wei Zhang',
      recipientInterest: 'machine translation for low-resource languages',
      pages: [pageAbout(person('wei-zhang-nus'))],
    });
    const chosen = output.candidates[0]!;
    expect(output.decision).toBe('confident');
    expect(chosen.merged).toBe(true);
    expect(chosen.confirmedInstitutions).toEqual(['National University of Singapore']);
    const kept = await papersFor('Wei Zhang', 'machine translation for low-resource languages', output);
    expect(kept.length).toBeGreaterThan(0);
    expect(new Set(kept.map((p) => authorOfPaper(world, p)))).toEqual(new Set(['wei-zhang-nus']));
  });

  it('an ambiguous case asks which one, and the answer picks that person’s papers without asking OpenAlex again', async () => {
    const { output } = await resolve({ recipientName: 'Anna Müller', recipientInterest: 'neuroscience' });
    expect(output.decision).toBe('ambiguous');
    expect(await papersFor('Anna Müller', 'neuroscience', output)).toEqual([]);
    const question = identityQuestion(output, 'Anna Müller')!;
    expect(question.question).toBe('Which Anna Müller?');
    expect(question.none).toBe('None of these');
    expect(question.options.map((o) => o.label.split(' · ').slice(0, 2).join(' · ')).sort()).toEqual([
      'Ludwig-Maximilians-Universität München · Synaptic plasticity',
      'University of Zurich · Visual cortex circuits',
    ]);

    const before = openalex.requests.length;
    const zurich = world.profileOf.get('anna-mueller-uzh')!;
    const chosen = chooseIdentity(output, zurich);
    expect(chosen).toMatchObject({ decision: 'confident', basis: 'choice', chosenId: zurich });
    const kept = await papersFor('Anna Müller', 'neuroscience', chosen);
    expect(kept.length).toBeGreaterThan(0);
    expect(new Set(kept.map((p) => authorOfPaper(world, p)))).toEqual(new Set(['anna-mueller-uzh']));
    expect(openalex.requests.length).toBe(before);
  });

  it('"None of these" writes without papers and says so', async () => {
    const { output } = await resolve({ recipientName: 'Anna Müller', recipientInterest: 'neuroscience' });
    const none = chooseIdentity(output, NONE_OF_THESE);
    expect(await papersFor('Anna Müller', 'neuroscience', none)).toEqual([]);
    expect(describeIdentity(none, 'Anna Müller')).toBe(
      'About: Anna Müller · no papers used: you said none of the candidates is the person',
    );
    expect(() => chooseIdentity(output, 'A123')).toThrow('A123 was not one of the candidates offered');
  });

  it('without a key: no identity source, the papers filtered by the interest, and a note', async () => {
    const keyless = createOpenAlexDirectory({ apiUrl: openalex.url });
    const { output, warnings } = await resolveIdentity(
      { recipientName: 'Jun Li', recipientInterest: '3D scene reconstruction' },
      { directory: keyless, now: () => SUITE_NOW },
    );
    expect(output.decision).toBe('no-source');
    expect(warnings).toEqual([
      'Who Jun Li is could not be checked: OpenAlex refused us (403): without OPENALEX_API_KEY its daily allowance is tiny.',
    ]);
    expect(describeIdentity(output, 'Jun Li')).toBe(
      'About: Jun Li · identity not verified: OpenAlex refused us (403): without OPENALEX_API_KEY its daily allowance is tiny',
    );
    const kept = await papersFor('Jun Li', '3D scene reconstruction', output);
    // Only papers that mention the interest, not the newest five whoever wrote them.
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((p) => /scene|reconstruction|3d/i.test(`${p.title} ${p.abstract}`))).toBe(true);
  });

  it('an ORCID is decisive: one request for the profile, no search', async () => {
    const orcid = world.orcidOf.get('jun-li-umich')!;
    const before = openalex.searches().length;
    const { output } = await resolve({ recipientName: 'Jun Li', recipientInterest: 'anything', hint: { orcid } });
    expect(output).toMatchObject({
      decision: 'confident',
      basis: 'hint',
      chosenId: world.profileOf.get('jun-li-umich'),
    });
    expect(openalex.searches().length).toBe(before);
  });

  it('an ORCID OpenAlex does not know is a clear error before any writing', async () => {
    const err = await resolve({
      recipientName: 'Jun Li',
      recipientInterest: 'x',
      hint: { orcid: '0000-0002-1825-0097' },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({
      code: ErrorCode.InvalidInput,
      message:
        'OpenAlex has no author with the ORCID iD 0000-0002-1825-0097: check it, or leave it out and Scribe will find the person by name.',
    });
  });

  it('the ORCID on the profile page the user gave settles it', async () => {
    const eth = person('elena-petrova-eth');
    const page = pageAbout(eth, true);
    const { output } = await resolveIdentity(
      {
        recipientName: 'Elena Petrova',
        recipientInterest: 'climate',
        hint: { profileUrl: 'https://people.ethz.ch/~ep' },
      },
      {
        directory: directory(),
        pageReader: { read: async (url) => ({ url, finalUrl: url, title: page.title, text: page.text, via: 'http' }) },
        now: () => SUITE_NOW,
      },
    );
    expect(output).toMatchObject({
      decision: 'confident',
      basis: 'hint',
      chosenId: world.profileOf.get('elena-petrova-eth'),
    });
  });

  it('a name OpenAlex does not know: none-found, papers filtered by relevance', async () => {
    const { output } = await resolve({ recipientName: 'Keiko Fujimori', recipientInterest: 'protein folding' });
    expect(output).toMatchObject({ decision: 'none-found', basis: 'directory' });
    const kept = await papersFor('Keiko Fujimori', 'protein folding', output);
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((p) => authorOfPaper(world, p) === 'keiko-fujimori')).toBe(true);
  });
});
