/**
 * A local arXiv API: GET `?search_query=au:"…" OR au:"…"&max_results=N` answered by a real-shaped
 * Atom feed (opensearch totals, entries with several authors, versions, categories, alternate and
 * pdf links). An author phrase matches papers with an author whose surname is the phrase's last
 * word, roughly as arXiv's index does; the client filters namesakes itself.
 *
 *   fake.papers = [{ id: '2401.00010', title, authors, published, summary }]
 *   fake.failNext([{ status: 503, headers: { 'retry-after': '5' } }])
 *   fake.queries()  // the search_query values received
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
  /** The `search_query` values received. */
  queries(): string[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const OPENSEARCH = 'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/"';

/** An Atom feed as arXiv writes it (titles wrapped over lines, abstracts indented). */
export function atomFeed(papers: readonly FakePaper[], query: string, total = papers.length): string {
  const entries = papers
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

/** Starts the fake on 127.0.0.1 with the given papers (replace `fake.papers` to change them). */
export async function startFakeArxiv(papers: FakePaper[] = []): Promise<FakeArxiv> {
  let self: FakeArxiv | undefined;
  const http = await startFakeHttp((req, res) => {
    const url = new URL(req.path, 'http://x');
    const query = url.searchParams.get('search_query') ?? '';
    const surnames = [...query.matchAll(/au:"([^"]+)"/g)].map((m) => m[1]!.toLowerCase().split(/\s+/).at(-1)!);
    if (!/^\/api\/query\/?$/.test(url.pathname) || surnames.length === 0) {
      res.writeHead(400, { 'content-type': 'application/atom+xml; charset=utf-8' });
      res.end(errorFeed(`incorrect search_query: ${query}`));
      return;
    }
    const max = Number(url.searchParams.get('max_results') ?? 10);
    const found = (self?.papers ?? [])
      .filter((p) => p.authors.some((a) => surnames.some((s) => a.toLowerCase().split(/[\s.-]+/).includes(s))))
      .sort((a, b) => b.published.localeCompare(a.published));
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    res.end(atomFeed(found.slice(0, max), query, found.length));
  });
  self = Object.assign(http, {
    apiUrl: `${http.url}/api/query`,
    papers,
    queries: () => http.requests.map((r) => new URL(r.path, 'http://x').searchParams.get('search_query') ?? ''),
  });
  return self;
}
