/**
 * A local arXiv API: GET with `search_query=au:"…"` answered by a real-shaped Atom feed
 * (opensearch totals, entries with several authors, versions, categories, alternate and pdf links).
 */
import { startFakeHttp, type FakeHttp } from './http.ts';

export interface FakePaper {
  id: string;
  version?: number;
  title: string;
  authors: string[];
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

export function atomFeed(papers: readonly FakePaper[], query: string): string {
  const entries = papers
    .map((p) => {
      const v = p.version ?? 1;
      return `  <entry>
    <id>http://arxiv.org/abs/${p.id}v${v}</id>
    <updated>${p.published}</updated>
    <published>${p.published}</published>
    <title>${esc(p.title).replace(/ /, '\n      ')}</title>
    <summary>  ${esc(p.summary)}
    </summary>
${p.authors.map((a) => `    <author>\n      <name>${esc(a)}</name>\n    </author>`).join('\n')}
    <link href="http://arxiv.org/abs/${p.id}v${v}" rel="alternate" type="text/html"/>
    <link title="pdf" href="http://arxiv.org/pdf/${p.id}v${v}" rel="related" type="application/pdf"/>
    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/schemas/atom" term="${p.categories?.[0] ?? 'cs.LG'}" scheme="http://arxiv.org/schemas/atom"/>
${(p.categories ?? ['cs.LG']).map((c) => `    <category term="${c}" scheme="http://arxiv.org/schemas/atom"/>`).join('\n')}
  </entry>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query=${encodeURIComponent(query)}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query=${esc(query)}</title>
  <id>http://arxiv.org/api/cHxbiOdZaP56ODnBPIenZhzg5f8</id>
  <updated>2026-11-22T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">${papers.length}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">0</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">${papers.length}</opensearch:itemsPerPage>
${entries}
</feed>
`;
}

export async function startFakeArxiv(papers: FakePaper[] = []): Promise<FakeArxiv> {
  let self: FakeArxiv | undefined;
  const http = await startFakeHttp((req, res) => {
    const url = new URL(req.path, 'http://x');
    const query = url.searchParams.get('search_query') ?? '';
    const wanted = /au:"?([^"]+)"?/.exec(query)?.[1]?.toLowerCase().split(/\s+/).at(-1) ?? '';
    const max = Number(url.searchParams.get('max_results') ?? 10);
    const found = (self?.papers ?? []).filter((p) => p.authors.some((a) => a.toLowerCase().includes(wanted))).slice(0, max);
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    res.end(atomFeed(found, query));
  });
  self = Object.assign(http, {
    apiUrl: `${http.url}/api/query`,
    papers,
    queries: () => http.requests.map((r) => new URL(r.path, 'http://x').searchParams.get('search_query') ?? ''),
  });
  return self;
}
