import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, RetryableError } from '../../../src/errors.ts';
import { arxivIdOf, createOpenAlexDirectory } from '../../../src/pipeline/clients/openalex.ts';
import { deadUrl } from '../../fakes/http.ts';
import { startFakeOpenAlex, type FakeOpenAlex } from '../../fakes/openalex.ts';
import { buildWorld } from '../../fixtures/identity/world.ts';

const KEY = 'oa-test-key-7f3a9c';
const world = buildWorld();
let fake: FakeOpenAlex;
beforeAll(async () => {
  fake = await startFakeOpenAlex(world.authors, world.works);
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.requireKey = undefined;
  fake.clearFailures();
  fake.requests.length = 0;
});

const directory = (apiKey: string | null = KEY) =>
  createOpenAlexDirectory({ apiUrl: fake.url, apiKey: apiKey ?? undefined });

describe('the OpenAlex client against the fake', () => {
  it('finds the profiles of a name, with institutions, affiliations and topics', async () => {
    const answer = await directory().searchAuthors('Jun Li', { limit: 10 });
    expect(answer.ok).toBe(true);
    const found = answer.ok ? answer.value : [];
    expect(found.map((a) => a.institutions[0]?.name).sort()).toEqual([
      'Massachusetts Institute of Technology',
      'Tsinghua University',
      'University of Michigan',
    ]);
    const mit = found.find((a) => a.institutions[0]?.name.startsWith('Massachusetts'))!;
    expect(mit).toMatchObject({
      id: world.profileOf.get('jun-li-mit'),
      name: 'Jun Li',
      orcid: world.orcidOf.get('jun-li-mit'),
      institutions: [{ name: 'Massachusetts Institute of Technology', countryCode: 'US' }],
    });
    expect(mit.topics[0]).toEqual({
      name: '3D scene reconstruction',
      subfield: 'Computer Vision and Pattern Recognition',
      field: 'Computer Science',
    });
    const request = new URL(fake.requests[0]!.path, fake.url);
    expect(request.pathname).toBe('/authors');
    expect(request.searchParams.get('search')).toBe('Jun Li');
    expect(request.searchParams.get('api_key')).toBe(KEY);
  });

  it('gets one profile by ORCID or by id, and says when there is none', async () => {
    const orcid = world.orcidOf.get('jun-li-umich')!;
    const byOrcid = await directory().getAuthor({ orcid: `https://orcid.org/${orcid}` });
    expect(byOrcid.ok && byOrcid.value?.id).toBe(world.profileOf.get('jun-li-umich'));
    expect(fake.requests[0]!.path).toMatch(new RegExp(`^/authors/orcid%3A${orcid}\\?`));
    const byId = await directory().getAuthor({
      openalex: `https://openalex.org/${world.profileOf.get('lei-wang-pku')}`,
    });
    expect(byId.ok && byId.value?.name).toBe('Lei Wang');
    expect(await directory().getAuthor({ orcid: '0000-0002-1825-0097' })).toEqual({ ok: true, value: undefined });
  });

  it('lists works newest first, with arXiv ids from arXiv DOIs and arXiv locations, and the institutions given', async () => {
    const answer = await directory().listWorks(world.profileOf.get('jun-li-mit')!, { limit: 50 });
    const works = answer.ok ? answer.value : [];
    expect(works).toHaveLength(7);
    expect(works.map((w) => w.year)).toEqual([...works.map((w) => w.year)].sort((a, b) => (b ?? 0) - (a ?? 0)));
    const preprint = works.find((w) => w.doi?.startsWith('10.48550/arxiv.'))!;
    expect(preprint.arxivId).toBe(preprint.doi!.slice('10.48550/arxiv.'.length));
    const published = works.find((w) => w.arxivId && !w.doi?.startsWith('10.48550'))!;
    expect(published.url).toBe(`https://doi.org/${published.doi}`);
    expect(works.every((w) => w.authorInstitutions.join() === 'Massachusetts Institute of Technology')).toBe(true);
    const request = new URL(fake.requests[0]!.path, fake.url);
    expect(request.searchParams.get('filter')).toBe(`author.id:${world.profileOf.get('jun-li-mit')}`);
    expect(request.searchParams.get('sort')).toBe('publication_date:desc');
  });

  it('reads arXiv ids from DOIs and arXiv URLs', () => {
    expect(arxivIdOf('https://doi.org/10.48550/arXiv.2401.00010')).toBe('2401.00010');
    expect(arxivIdOf('https://arxiv.org/abs/2401.00010v3')).toBe('2401.00010');
    expect(arxivIdOf('http://arxiv.org/pdf/math/0501001v2')).toBe('math/0501001');
    expect(arxivIdOf('https://doi.org/10.1145/3597503')).toBeUndefined();
  });

  it('answers "unavailable" for 403 (no key) and 429 (allowance spent), naming the key', async () => {
    fake.requireKey = KEY;
    const keyless = await directory(null).searchAuthors('Jun Li', { limit: 5 });
    expect(keyless).toEqual({
      ok: false,
      unavailable: 'OpenAlex refused us (403): without OPENALEX_API_KEY its daily allowance is tiny',
    });
    fake.failNext([{ status: 429 }]);
    const spent = await directory().listWorks('A5000000000', { limit: 5 });
    expect(spent).toEqual({
      ok: false,
      unavailable: 'OpenAlex refused us (429): the daily allowance of OPENALEX_API_KEY is spent',
    });
  });

  it('throws a retryable error for 5xx and an unreachable host, never showing the key', async () => {
    fake.failNext([{ status: 503, body: JSON.stringify({ error: 'Service Unavailable', message: 'try later' }) }]);
    const down = await directory()
      .searchAuthors('Jun Li', { limit: 5 })
      .catch((e: unknown) => e);
    expect(down).toBeInstanceOf(RetryableError);
    expect(down).toMatchObject({ code: ErrorCode.ServiceUnavailable, status: 503, service: 'OpenAlex' });
    expect((down as Error).message).toBe('OpenAlex answered 503: Service Unavailable: try later');

    const dead = createOpenAlexDirectory({ apiUrl: await deadUrl(), apiKey: KEY });
    const refused = await dead.searchAuthors('Jun Li', { limit: 5 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RetryableError);
    expect((refused as Error).message).toBe('OpenAlex could not be reached: the connection was refused');
    const everything = JSON.stringify(refused, Object.getOwnPropertyNames(refused)) + String((refused as Error).cause);
    expect(everything).not.toContain(KEY);
  });
});
