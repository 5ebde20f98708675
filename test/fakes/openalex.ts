/**
 * A local OpenAlex API speaking its wire format: `GET /authors?search=…&per-page=…`,
 * `GET /authors/A…` and `/authors/orcid:…` (or the ORCID URL), `GET /works?filter=author.id:A…
 * &sort=publication_date:desc&per-page=…`, answered with OpenAlex's `{meta, results}` envelope and
 * its entity objects (ids as https://openalex.org/… URLs, ORCIDs and DOIs as URLs); 404 with
 * `{error, message}` for an unknown entity. `requireKey` makes it answer 403 without that
 * `api_key`, as OpenAlex does once the keyless allowance is spent.
 *
 *   fake.authors = [openAlexAuthor], fake.works = [openAlexWork]
 *   fake.requireKey = 'k'; fake.failNext([{ status: 429 }])
 */
import { sendJson, startFakeHttp, type FakeHttp } from './http.ts';

/** An author object as OpenAlex sends it (the fields Scribe reads, plus a few it ignores). */
export interface OpenAlexAuthorJson {
  id: string;
  display_name: string;
  display_name_alternatives?: string[];
  orcid?: string | null;
  works_count: number;
  cited_by_count: number;
  last_known_institutions: { id: string; display_name: string; country_code: string | null; type?: string }[];
  affiliations: { institution: { id: string; display_name: string; country_code: string | null }; years: number[] }[];
  topics: {
    id: string;
    display_name: string;
    count: number;
    subfield: { id: string; display_name: string };
    field: { id: string; display_name: string };
    domain: { id: string; display_name: string };
  }[];
  works_api_url?: string;
}

/** A work object as OpenAlex sends it (the fields Scribe reads, plus a few it ignores). */
export interface OpenAlexWorkJson {
  id: string;
  doi: string | null;
  title: string;
  display_name: string;
  publication_year: number;
  publication_date: string;
  type: string;
  primary_location: { landing_page_url: string | null; source: { display_name: string } | null } | null;
  locations?: { landing_page_url: string | null; source: { display_name: string } | null }[];
  authorships: {
    author_position: 'first' | 'middle' | 'last';
    author: { id: string; display_name: string; orcid: string | null };
    institutions: { id: string; display_name: string; country_code: string | null }[];
    raw_author_name: string;
  }[];
  cited_by_count: number;
}

export interface FakeOpenAlex extends FakeHttp {
  authors: OpenAlexAuthorJson[];
  works: OpenAlexWorkJson[];
  /** When set, requests without this `api_key` get 403. */
  requireKey: string | undefined;
  /** The `search` values of /authors requests received. */
  searches(): string[];
}

const short = (id: string) => id.replace(/^https:\/\/openalex\.org\//, '').toUpperCase();
const letters = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter(Boolean);

/** Roughly OpenAlex's author search: every word of the query starts a word of a name the profile goes by. */
function nameMatches(author: OpenAlexAuthorJson, query: string): boolean {
  const wanted = letters(query);
  if (wanted.length === 0) return false;
  return [author.display_name, ...(author.display_name_alternatives ?? [])].some((name) => {
    const have = letters(name);
    return wanted.every((w) => have.some((h) => h === w || (w.length === 1 && h.startsWith(w))));
  });
}

function envelope(results: unknown[], perPage: number, count = results.length) {
  return { meta: { count, db_response_time_ms: 12, page: 1, per_page: perPage, groups_count: null }, results };
}

/** Starts the fake on 127.0.0.1 with the given entities (replace the arrays to change them). */
export async function startFakeOpenAlex(
  authors: OpenAlexAuthorJson[] = [],
  works: OpenAlexWorkJson[] = [],
): Promise<FakeOpenAlex> {
  let self: FakeOpenAlex | undefined;
  const http = await startFakeHttp((req, res) => {
    const fake = self!;
    const url = new URL(req.path, 'http://x');
    if (fake.requireKey !== undefined && url.searchParams.get('api_key') !== fake.requireKey) {
      sendJson(res, 403, {
        error: 'Forbidden',
        message: 'API key required. Get a free key at openalex.org/settings/api',
      });
      return;
    }
    const perPage = Math.min(200, Number(url.searchParams.get('per-page') ?? url.searchParams.get('per_page') ?? 25));
    const one = /^\/authors\/(.+)$/.exec(url.pathname);
    if (one) {
      const key = decodeURIComponent(one[1]!);
      const orcid = /^(?:orcid:|https:\/\/orcid\.org\/)(.+)$/i.exec(key)?.[1]?.toUpperCase();
      const found = fake.authors.find((a) =>
        orcid ? a.orcid?.toUpperCase().endsWith(orcid) : short(a.id) === key.toUpperCase(),
      );
      if (!found) sendJson(res, 404, { error: 'Not Found', message: `Author ${key} not found` });
      else sendJson(res, 200, found);
      return;
    }
    if (url.pathname === '/authors') {
      const search = url.searchParams.get('search') ?? '';
      const found = fake.authors
        .filter((a) => nameMatches(a, search))
        .sort((a, b) => b.works_count - a.works_count || a.id.localeCompare(b.id));
      sendJson(res, 200, envelope(found.slice(0, perPage), perPage, found.length));
      return;
    }
    if (url.pathname === '/works') {
      const filter = url.searchParams.get('filter') ?? '';
      const author = /(?:^|,)(?:author\.id|authorships\.author\.id):([^,]+)/.exec(filter)?.[1];
      if (!author) {
        sendJson(res, 400, { error: 'Invalid query parameters error.', message: `unsupported filter ${filter}` });
        return;
      }
      const found = fake.works
        .filter((w) => w.authorships.some((a) => short(a.author.id) === short(author)))
        .sort((a, b) => b.publication_date.localeCompare(a.publication_date) || a.id.localeCompare(b.id));
      sendJson(res, 200, envelope(found.slice(0, perPage), perPage, found.length));
      return;
    }
    sendJson(res, 404, { error: 'Not Found', message: `no route ${url.pathname}` });
  });
  self = Object.assign(http, {
    authors,
    works,
    requireKey: undefined as string | undefined,
    searches: () =>
      http.requests
        .filter((r) => r.path.startsWith('/authors?'))
        .map((r) => new URL(r.path, 'http://x').searchParams.get('search') ?? ''),
  });
  return self;
}
