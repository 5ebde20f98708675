/**
 * `ScholarDirectory` on the OpenAlex REST API: `/authors?search=`, `/authors/{A…|orcid:…}` and
 * `/works?filter=author.id:…`. The key goes in the `api_key` query parameter (OpenAlex's scheme
 * since February 2026), so a request URL is a secret: it never goes into an error, a log line or
 * a cause. 403 and 429 mean the allowance is spent (OpenAlex documents both) and come back as
 * `unavailable`, not as errors: the identity step then falls back instead of failing the email.
 */
import { z } from 'zod';
import { ScribeError } from '../../errors.ts';
import type { DirectoryAnswer, ScholarDirectory } from '../ports.ts';
import type { Institution, ScholarAuthor, ScholarWork } from '../types.ts';
import { classifyHttpFailure, networkFailure, retryAfterFrom, withTimeout } from './errors.ts';

const SERVICE = 'OpenAlex';

// Only the fields Scribe reads; OpenAlex sends many more, and any of these may be null.
const InstitutionSchema = z.object({
  display_name: z.string().nullish(),
  country_code: z.string().nullish(),
});
const AuthorSchema = z.object({
  id: z.string(),
  display_name: z.string().nullish(),
  display_name_alternatives: z.array(z.string()).nullish(),
  orcid: z.string().nullish(),
  works_count: z.number().nullish(),
  cited_by_count: z.number().nullish(),
  last_known_institutions: z.array(InstitutionSchema).nullish(),
  affiliations: z.array(z.object({ institution: InstitutionSchema, years: z.array(z.number()).nullish() })).nullish(),
  topics: z
    .array(
      z.object({
        display_name: z.string().nullish(),
        subfield: z.object({ display_name: z.string().nullish() }).nullish(),
        field: z.object({ display_name: z.string().nullish() }).nullish(),
      }),
    )
    .nullish(),
});
const LocationSchema = z.object({
  landing_page_url: z.string().nullish(),
  source: z.object({ display_name: z.string().nullish() }).nullish(),
});
const WorkSchema = z.object({
  id: z.string(),
  doi: z.string().nullish(),
  title: z.string().nullish(),
  display_name: z.string().nullish(),
  publication_year: z.number().nullish(),
  primary_location: LocationSchema.nullish(),
  locations: z.array(LocationSchema).nullish(),
  authorships: z
    .array(
      z.object({
        author: z.object({ id: z.string().nullish(), display_name: z.string().nullish() }),
        institutions: z.array(InstitutionSchema).nullish(),
      }),
    )
    .nullish(),
});
const ListSchema = z.object({ meta: z.object({ count: z.number() }).partial(), results: z.array(z.unknown()) });

export interface OpenAlexOptions {
  /** OPENALEX_API_URL, e.g. https://api.openalex.org */
  apiUrl: string;
  /** OPENALEX_API_KEY; without one OpenAlex allows very little a day. */
  apiKey?: string | undefined;
  /** Per request. Default 20 s. */
  timeoutMs?: number | undefined;
  fetch?: typeof globalThis.fetch | undefined;
}

/** "https://openalex.org/A5023888391" → "A5023888391". */
export const shortId = (id: string): string => id.replace(/^https?:\/\/(www\.)?openalex\.org\//i, '').toUpperCase();

/** "https://orcid.org/0000-0001-6187-6610" → "0000-0001-6187-6610". */
export const bareOrcid = (orcid: string): string =>
  orcid.replace(/^https?:\/\/(www\.)?orcid\.org\//i, '').toUpperCase();

/** "https://doi.org/10.48550/arXiv.2401.00010" → "10.48550/arxiv.2401.00010". */
export const bareDoi = (doi: string): string => doi.replace(/^https?:\/\/(dx\.)?doi\.org\//i, '').toLowerCase();

/** The arXiv id (no version) of a DOI under arXiv's prefix or an arxiv.org URL; else undefined. */
export function arxivIdOf(doiOrUrl: string | null | undefined): string | undefined {
  if (!doiOrUrl) return undefined;
  const doi = /^(?:https?:\/\/(?:dx\.)?doi\.org\/)?10\.48550\/arxiv\.(.+)$/i.exec(doiOrUrl.trim());
  if (doi) return doi[1]!.replace(/v\d+$/, '');
  const url = /^https?:\/\/(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf)\/(.+?)(?:v\d+)?(?:\.pdf)?$/i.exec(
    doiOrUrl.trim(),
  );
  return url?.[1];
}

const institution = (i: z.infer<typeof InstitutionSchema>): Institution | undefined =>
  i.display_name ? { name: i.display_name, countryCode: i.country_code ?? undefined } : undefined;

function toAuthor(raw: z.infer<typeof AuthorSchema>): ScholarAuthor {
  return {
    id: shortId(raw.id),
    name: raw.display_name ?? '',
    alternativeNames: raw.display_name_alternatives ?? [],
    orcid: raw.orcid ? bareOrcid(raw.orcid) : undefined,
    worksCount: raw.works_count ?? 0,
    citedByCount: raw.cited_by_count ?? 0,
    institutions: (raw.last_known_institutions ?? []).flatMap((i) => institution(i) ?? []),
    affiliations: (raw.affiliations ?? []).flatMap((a) => {
      const inst = institution(a.institution);
      return inst ? [{ institution: inst, years: a.years ?? [] }] : [];
    }),
    topics: (raw.topics ?? []).flatMap((t) =>
      t.display_name
        ? [
            {
              name: t.display_name,
              subfield: t.subfield?.display_name ?? undefined,
              field: t.field?.display_name ?? undefined,
            },
          ]
        : [],
    ),
  };
}

function toWork(raw: z.infer<typeof WorkSchema>, authorId: string): ScholarWork | undefined {
  const title = (raw.title ?? raw.display_name ?? '').replace(/\s+/g, ' ').trim();
  if (!title) return undefined;
  const doi = raw.doi ? bareDoi(raw.doi) : undefined;
  const locations = [raw.primary_location, ...(raw.locations ?? [])].filter((l) => !!l);
  const arxivId = arxivIdOf(doi) ?? locations.map((l) => arxivIdOf(l.landing_page_url)).find((id) => id);
  const authorships = raw.authorships ?? [];
  return {
    id: shortId(raw.id),
    title,
    year: raw.publication_year ?? undefined,
    doi,
    arxivId,
    venue: raw.primary_location?.source?.display_name ?? undefined,
    url: doi ? `https://doi.org/${doi}` : (raw.primary_location?.landing_page_url ?? undefined),
    authors: authorships.map((a) => a.author.display_name ?? '').filter((n) => n !== ''),
    authorInstitutions: authorships
      .filter((a) => a.author.id && shortId(a.author.id) === authorId)
      .flatMap((a) => (a.institutions ?? []).flatMap((i) => i.display_name ?? [])),
  };
}

/** A `ScholarDirectory` on OpenAlex; failures other than 403/429 follow the ports' error contract. */
export function createOpenAlexDirectory(options: OpenAlexOptions): ScholarDirectory {
  const base = options.apiUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 20_000;
  const fetchImpl = options.fetch ?? globalThis.fetch;

  /** GET a path; `undefined` for 404, `unavailable` for 403/429. The URL (with the key) stays in here. */
  async function get(
    path: string,
    params: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<DirectoryAnswer<unknown>> {
    const url = new URL(`${base}${path}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    if (options.apiKey) url.searchParams.set('api_key', options.apiKey);
    return withTimeout(
      SERVICE,
      timeoutMs,
      async (timeoutSignal) => {
        let res: Response;
        try {
          res = await fetchImpl(url, { signal: timeoutSignal, headers: { accept: 'application/json' } });
        } catch (err) {
          if (err instanceof ScribeError) throw err;
          // Not `networkFailure(SERVICE, err)` with the error as cause: fetch's errors may carry the URL.
          throw networkFailure(SERVICE, withoutUrl(err, url));
        }
        const text = await res.text().catch(() => '');
        if (res.status === 403 || res.status === 429) {
          const why = options.apiKey
            ? `OpenAlex refused us (${res.status}): the daily allowance of OPENALEX_API_KEY is spent`
            : `OpenAlex refused us (${res.status}): without OPENALEX_API_KEY its daily allowance is tiny`;
          return { ok: false, unavailable: why };
        }
        if (res.status === 404) return { ok: true, value: undefined };
        if (!res.ok) {
          throw classifyHttpFailure({
            service: SERVICE,
            status: res.status,
            detail: errorMessageOf(text),
            retryAfterMs: retryAfterFrom(res.headers),
          });
        }
        try {
          return { ok: true, value: JSON.parse(text) as unknown };
        } catch {
          throw classifyHttpFailure({ service: SERVICE, status: undefined, detail: 'the answer was not valid JSON' });
        }
      },
      signal,
    );
  }

  async function list<T>(
    path: string,
    params: Record<string, string>,
    signal: AbortSignal | undefined,
    item: (raw: unknown) => T | undefined,
  ): Promise<DirectoryAnswer<T[]>> {
    const answer = await get(path, params, signal);
    if (!answer.ok) return answer;
    const parsed = ListSchema.safeParse(answer.value);
    if (!parsed.success) {
      throw classifyHttpFailure({ service: SERVICE, status: undefined, detail: 'the answer had no results list' });
    }
    return { ok: true, value: parsed.data.results.flatMap((r) => item(r) ?? []) };
  }

  return {
    searchAuthors(name, { limit, signal }) {
      return list('/authors', { search: name, 'per-page': String(clamp(limit)) }, signal, (raw) => {
        const a = AuthorSchema.safeParse(raw);
        return a.success ? toAuthor(a.data) : undefined;
      });
    },
    async getAuthor(id, { signal } = {}) {
      const key = 'orcid' in id ? `orcid:${bareOrcid(id.orcid)}` : shortId(id.openalex);
      const answer = await get(`/authors/${encodeURIComponent(key)}`, {}, signal);
      if (!answer.ok || answer.value === undefined) return answer as DirectoryAnswer<undefined>;
      const a = AuthorSchema.safeParse(answer.value);
      if (!a.success) {
        throw classifyHttpFailure({ service: SERVICE, status: undefined, detail: 'the answer was not an author' });
      }
      return { ok: true, value: toAuthor(a.data) };
    },
    listWorks(authorId, { limit, signal }) {
      const id = shortId(authorId);
      const params = {
        filter: `author.id:${id}`,
        sort: 'publication_date:desc',
        'per-page': String(clamp(limit)),
      };
      return list('/works', params, signal, (raw) => {
        const w = WorkSchema.safeParse(raw);
        return w.success ? toWork(w.data, id) : undefined;
      });
    },
  };
}

/** OpenAlex serves at most 200 per page. */
const clamp = (n: number) => Math.max(1, Math.min(200, Math.floor(n)));

/** A network error with every mention of the request URL (which carries the key) removed. */
function withoutUrl(err: unknown, url: URL): Error {
  const secret = url.searchParams.get('api_key');
  const scrub = (s: string) => (secret ? s.split(secret).join('[key]') : s).split(url.href).join('[url]');
  if (!(err instanceof Error)) return new Error(scrub(String(err)));
  const clean = new Error(scrub(err.message));
  const code = (err as { code?: unknown }).code;
  const innerCode = (err.cause as { code?: unknown } | undefined)?.code;
  // describeNetworkError reads `code` on the error or its cause: keep the codes, drop the rest.
  Object.assign(clean, {
    code: typeof code === 'string' ? code : typeof innerCode === 'string' ? innerCode : undefined,
  });
  return clean;
}

/** OpenAlex's error body: `{error, message}` → "error: message". */
function errorMessageOf(text: string): string | undefined {
  try {
    const body = z.object({ error: z.string().optional(), message: z.string().optional() }).parse(JSON.parse(text));
    return [body.error, body.message].filter(Boolean).join(': ') || undefined;
  } catch {
    return text.trim().slice(0, 120) || undefined;
  }
}
