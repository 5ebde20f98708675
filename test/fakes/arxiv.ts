/**
 * A local arXiv API: GET `?search_query=au:"…" OR au:"…"&max_results=N` answered by a real-shaped
 * Atom feed (opensearch totals, entries with several authors, versions, categories, alternate and
 * pdf links), newest first, cut at max_results. The query is parsed as arXiv reads it: `au:` terms
 * joined by OR, for one author or several (a shared search); a paper is in the answer when any of
 * its authors matches any term, i.e. whose surname is a term's last word, roughly as arXiv's index
 * does; the client filters namesakes itself. Any other syntax is arXiv's error feed (400). Also arXiv's author
 * feeds, GET `/a/<author id>.atom2`: the same Atom entries (one `<author>` per author, which is
 * what `.atom2` changes from `.atom`) of the papers that author claimed, newest first; an id
 * it does not know is a 404 page.
 *
 *   fake.authorFeeds = { lovelace_a_1: ['2401.00010'] }  // author id → ids in fake.papers
 *   fake.papers = [{ id: '2401.00010', title, authors, published, summary }]
 *   fake.failNext([{ status: 503, headers: { 'retry-after': '5' } }])
 *   fake.queries()  // the search_query values received
 *   fake.searches() // each search: query, max_results, when it arrived and when it was answered
 */
import { startFakeHttp, type FakeHttp } from './http.ts';

export interface FakePaper {
  /** Without version, e.g. "2401.00010" or "math/0501001". */
  id: string;
  version?: number;
  title: string;
  authors: string[];
  /** ISO time, e.g. "2024-01-02T00:00:00Z". */
  published: string;
  summary: string;
  categories?: string[];
}

export interface FakeArxiv extends FakeHttp {
  /** The API URL to give the client (ARXIV_API_URL). */
  apiUrl: string;
  papers: FakePaper[];
  /** arXiv author ids and the ids (in `papers`) of the papers each claimed. */
  authorFeeds: Record<string, string[]>;
  /** The `search_query` values received. */
  queries(): string[];
  /** The author ids whose feeds were asked for. */
  authorFeedRequests(): string[];
  /** Each search received: its query and max_results, when it arrived and when its answer ended. */
  searches(): { query: string; maxResults: number; at: number; doneAt: number | undefined }[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const OPENSEARCH = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"';

/** Atom entries as arXiv writes them (titles wrapped over lines, abstracts indented). */
function atomEntries(papers: readonly FakePaper[]): string {
  return papers
    .map((p) => {
      const v = p.version ?? 1;
      const categories = p.categories ?? ['cs.LG'];
      return `  <entry>
    <id>http://arxiv.org/abs/${p.id}v${v}</id>
    <updated>${p.published}</updated>
    <published>${p.published}</published>
    <title>${esc(p.title).replace(/ /, '\n      ')}</title>
    <summary>  ${esc(p.summary)}
    </summary>
${p.authors.map((a) => `    <author>\n      <name>${esc(a)}</name>\n    </author>`).join('\n')}
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">12 pages</arxiv:comment>
    <link href="http://arxiv.org/abs/${p.id}v${v}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/${p.id}v${v}" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="${categories[0]}" scheme="http://arxiv.org/schemas/atom"/>
${categories.map((c) => `    <category term="${c}" scheme="http://arxiv.org/schemas/atom"/>`).join('\n')}
  </entry>`;
    })
    .join('\n');
}

/** An Atom feed as arXiv's API writes it. */
export function atomFeed(papers: readonly FakePaper[], query: string, total = papers.length): string {
  const entries = atomEntries(papers);
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query=${encodeURIComponent(query)}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=${esc(query)}</title>
  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>
  <updated>2026-11-22T00:00:00-05:00</updated>
  <opensearch:totalResults ${OPENSEARCH}>${total}</opensearch:totalResults>
  <opensearch:startIndex ${OPENSEARCH}>0</opensearch:startIndex>
  <opensearch:itemsPerPage ${OPENSEARCH}>${papers.length}</opensearch:itemsPerPage>
${entries}
</feed>
`;
}

/** An author's feed (`arxiv.org/a/<id>.atom2`): feed metadata naming the author id, then the entries. */
export function authorFeed(authorId: string, papers: readonly FakePaper[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <title>arXiv author ${esc(authorId)}</title>
  <id>http://arxiv.org/a/${esc(authorId)}</id>
  <link href="http://arxiv.org/a/${esc(authorId)}.atom2" rel="self" type="application/atom+xml"/>
  <link href="http://arxiv.org/a/${esc(authorId)}.html" rel="alternate" type="text/html"/>
  <updated>2026-11-22T00:00:00-05:00</updated>
${atomEntries(papers)}
</feed>
`;
}

/** arXiv's answer to a query it cannot run (HTTP 400, one entry pointing at its error list). */
export function errorFeed(message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query: error</title>
  <id>http://arxiv.org/api/errors</id>
  <opensearch:totalResults ${OPENSEARCH}>1</opensearch:totalResults>
  <entry>
    <id>http://arxiv.org/api/errors#incorrect_search_query</id>
    <title>Error</title>
    <summary>${esc(message)}</summary>
    <updated>2026-11-22T00:00:00-05:00</updated>
    <link href="http://arxiv.org/api/errors#incorrect_search_query" rel="alternate" type="text/html"/>
    <author><name>arXiv api core</name></author>
  </entry>
</feed>
`;
}

/**
 * The answer to `search_query=all:electron&max_results=1` in the form the arXiv API user manual
 * shows it (info.arxiv.org/help/api/user-manual, "The API Response"): every element carries its
 * own namespace declaration, `<id xmlns="http://www.w3.org/2005/Atom">`, arXiv's extension
 * elements theirs.
 */
export const MANUAL_FEED = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom">
  <link xmlns="http://www.w3.org/2005/Atom" href="http://arxiv.org/api/query?search_query=all:electron&amp;id_list=&amp;start=0&amp;max_results=1" rel="self" type="application/atom+xml"/>
  <title xmlns="http://www.w3.org/2005/Atom" type="html">ArXiv Query: search_query=all:electron&amp;id_list=&amp;start=0&amp;max_results=1</title>
  <id xmlns="http://www.w3.org/2005/Atom">http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>
  <updated xmlns="http://www.w3.org/2005/Atom">2007-10-08T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1000</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:itemsPerPage>
  <entry xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom">
    <id xmlns="http://www.w3.org/2005/Atom">http://arxiv.org/abs/hep-ex/0307015</id>
    <published xmlns="http://www.w3.org/2005/Atom">2003-07-07T13:46:39-04:00</published>
    <updated xmlns="http://www.w3.org/2005/Atom">2003-07-07T13:46:39-04:00</updated>
    <title xmlns="http://www.w3.org/2005/Atom">Multi-Electron Production at High Transverse Momenta in ep
  Collisions at HERA</title>
    <summary xmlns="http://www.w3.org/2005/Atom">  Multi-electron production is studied at high electron transverse momentum in
positron- and electron-proton collisions using the H1 detector at HERA.
</summary>
    <author xmlns="http://www.w3.org/2005/Atom">
      <name xmlns="http://www.w3.org/2005/Atom">H1 Collaboration</name>
    </author>
    <arxiv:comment xmlns:arxiv="http://arxiv.org/schemas/atom">23 pages, 8 figures and 4 tables</arxiv:comment>
    <arxiv:journal_ref xmlns:arxiv="http://arxiv.org/schemas/atom">Eur.Phys.J. C31 (2003) 17-29</arxiv:journal_ref>
    <link xmlns="http://www.w3.org/2005/Atom" href="http://arxiv.org/abs/hep-ex/0307015v1" rel="alternate" type="text/html"/>
    <link xmlns="http://www.w3.org/2005/Atom" title="pdf" href="http://arxiv.org/pdf/hep-ex/0307015v1" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="hep-ex" scheme="http://arxiv.org/schemas/atom"/>
    <category xmlns="http://www.w3.org/2005/Atom" term="hep-ex" scheme="http://arxiv.org/schemas/atom"/>
  </entry>
</feed>
`;

/**
 * The manual's error example ("Errors"): `id_list=1234.12345` answered by a feed whose one entry
 * has an id under http://arxiv.org/api/errors and arXiv's explanation in its summary, in the same
 * every-element-declares-its-namespace form.
 */
export const MANUAL_ERROR_FEED = `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">
  <link xmlns="http://www.w3.org/2005/Atom" href="http://arxiv.org/api/query?search_query=&amp;id_list=1234.12345" rel="self" type="application/atom+xml"/>
  <title xmlns="http://www.w3.org/2005/Atom" type="html">ArXiv Query: search_query=&amp;id_list=1234.12345</title>
  <id xmlns="http://www.w3.org/2005/Atom">http://arxiv.org/api/kvuntZ8c9a4Eq5CF7KY03nMug+Q</id>
  <updated xmlns="http://www.w3.org/2005/Atom">2007-10-12T00:00:00-04:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:itemsPerPage>
  <entry xmlns="http://www.w3.org/2005/Atom">
    <id xmlns="http://www.w3.org/2005/Atom">http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345</id>
    <title xmlns="http://www.w3.org/2005/Atom">Error</title>
    <summary xmlns="http://www.w3.org/2005/Atom">incorrect id format for 1234.12345</summary>
    <updated xmlns="http://www.w3.org/2005/Atom">2007-10-12T00:00:00-04:00</updated>
    <link xmlns="http://www.w3.org/2005/Atom" href="http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345" rel="alternate" type="text/html"/>
    <author xmlns="http://www.w3.org/2005/Atom">
      <name xmlns="http://www.w3.org/2005/Atom">arXiv api core</name>
    </author>
  </entry>
</feed>
`;

/**
 * The same Atom written with a namespace prefix instead of a default namespace (`<atom:entry>`),
 * as XML tools that re-serialise a feed do: the same document to a namespace-aware reader.
 */
export function withAtomPrefix(xml: string): string {
  return xml
    .replace(/<(\/?)(feed|entry|id|title|summary|published|updated|author|name|link|category)\b/g, '<$1atom:$2')
    .replace(/xmlns="http:\/\/www\.w3\.org\/2005\/Atom"/g, 'xmlns:atom="http://www.w3.org/2005/Atom"');
}

/**
 * The author phrases of a `search_query` made of `au:` terms joined by OR, as arXiv reads it:
 * `au:"Ada Lovelace" OR au:"A Lovelace" OR au:Hopper` → ["Ada Lovelace", "A Lovelace", "Hopper"]
 * (arXiv's `_` for a space in an unquoted term: `au:del_maestro`). Undefined for any other syntax
 * (AND, other fields, an empty query): the fake answers it as arXiv answers a query it cannot run.
 */
export function authorTerms(query: string): string[] | undefined {
  const terms: string[] = [];
  for (const part of query.trim().split(/\s+OR\s+/)) {
    const m = /^au:(?:"([^"]+)"|([^\s"()]+))$/.exec(part.trim());
    if (!m) return undefined;
    terms.push((m[1] ?? m[2]!.replace(/_/g, ' ')).trim());
  }
  return terms.length > 0 && terms.every((t) => t !== '') ? terms : undefined;
}

/**
 * Roughly arXiv's author index: a phrase matches an author whose name has the phrase's last word
 * (the surname) among its words; first names are not checked (arXiv's index is as loose), so
 * namesakes come back and the client's own filter must drop them.
 */
function authorMatches(author: string, phrase: string): boolean {
  const surname = phrase.toLowerCase().split(/\s+/).at(-1)!;
  return author
    .toLowerCase()
    .split(/[\s.-]+/)
    .includes(surname);
}

/** Starts the fake on 127.0.0.1 with the given papers (replace `fake.papers` to change them). */
export async function startFakeArxiv(papers: FakePaper[] = []): Promise<FakeArxiv> {
  let self: FakeArxiv | undefined;
  const http = await startFakeHttp((req, res) => {
    const url = new URL(req.path, 'http://x');
    const author = /^\/a\/([^/]+)\.atom2$/.exec(url.pathname)?.[1];
    if (author !== undefined) {
      const id = decodeURIComponent(author);
      const claimed = self?.authorFeeds[id];
      if (!claimed) {
        res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          `<!DOCTYPE html><html><head><title>Not Found</title></head><body><h1>No such author: ${esc(id)}</h1></body></html>`,
        );
        return;
      }
      const papers = (self?.papers ?? [])
        .filter((p) => claimed.includes(p.id))
        .sort((a, b) => b.published.localeCompare(a.published));
      res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
      res.end(authorFeed(id, papers));
      return;
    }
    const query = url.searchParams.get('search_query') ?? '';
    const terms = authorTerms(query);
    if (!/^\/api\/query\/?$/.test(url.pathname) || !terms) {
      res.writeHead(400, { 'content-type': 'application/atom+xml; charset=utf-8' });
      res.end(errorFeed(`incorrect search_query: ${query}`));
      return;
    }
    const max = Number(url.searchParams.get('max_results') ?? 10);
    // A paper is in the answer when one of its authors matches one of the terms (OR).
    const found = (self?.papers ?? [])
      .filter((p) => p.authors.some((a) => terms.some((t) => authorMatches(a, t))))
      .sort((a, b) => b.published.localeCompare(a.published));
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    res.end(atomFeed(found.slice(0, max), query, found.length));
  });
  self = Object.assign(http, {
    apiUrl: `${http.url}/api/query`,
    papers,
    authorFeeds: {},
    queries: () =>
      http.requests
        .filter((r) => !r.path.startsWith('/a/'))
        .map((r) => new URL(r.path, 'http://x').searchParams.get('search_query') ?? ''),
    searches: () =>
      http.requests
        .filter((r) => !r.path.startsWith('/a/'))
        .map((r) => {
          const params = new URL(r.path, 'http://x').searchParams;
          return {
            query: params.get('search_query') ?? '',
            maxResults: Number(params.get('max_results') ?? 10),
            at: r.at,
            doneAt: r.doneAt,
          };
        }),
    authorFeedRequests: () =>
      http.requests.flatMap((r) => /^\/a\/([^/?]+)\.atom2/.exec(r.path)?.[1] ?? []).map(decodeURIComponent),
  });
  return self;
}
