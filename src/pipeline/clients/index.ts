/**
 * The real clients behind the pipeline's ports, built from their own options (the composition
 * roots pick them from Config: `pipelineClientOptions` in src/commands/common.ts). Composition roots call this;
 * nothing else constructs a client. A missing key does not stop the service: the port answers
 * with a permanent "not configured" error that names the variable to set. (Web search without
 * EXA_API_KEY throws too rather than returning no results: an email silently written without
 * research would look like a bad email, not like a missing setting.)
 */
import { ErrorCode, PermanentError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Llm, PageReader, PaperSearch, ScholarDirectory, WebSearch } from '../ports.ts';
import { createAnthropicLlm, preloadAnthropicSdk } from './anthropic.ts';
import { createArxivPapers } from './arxiv.ts';
import { createBrowserPool, type BrowserPool } from './browser.ts';
import { createExaSearch, preloadExa } from './exa.ts';
import { createOpenAlexDirectory } from './openalex.ts';
import { createPageReader } from './page-reader.ts';
import { createUrlGuard } from './ssrf.ts';

export interface PipelineClients {
  llm: Llm;
  search: WebSearch;
  papers: PaperSearch;
  pages: PageReader;
  /** OpenAlex; undefined without OPENALEX_API_KEY (the identity step then says it was not verified). */
  directory: ScholarDirectory | undefined;
  /** The shared browser, when Chromium is configured (benchmarks read its pid). */
  browser: BrowserPool | undefined;
  /**
   * Imports now the libraries the configured clients otherwise import on first use (the Anthropic
   * SDK, exa-js): each import holds the event loop for 100–160 ms, which a process that answers
   * chat must not do while acks wait. Costs ~10 MB of the box's idle memory (`npm run bench -- box`),
   * held from the start instead of from the first generation. The browser's library is left to the first page that needs it. Returns the
   * libraries' names.
   */
  preload(): Promise<string[]>;
  close(): Promise<void>;
}

/** What the clients are built from; the names and shape are Config's, so a Config fits as it is. */
export interface PipelineClientOptions {
  /** ANTHROPIC_API_KEY (undefined: the Llm port answers "not configured"), ANTHROPIC_BASE_URL. */
  anthropic: { apiKey: string | undefined; baseUrl: string | undefined };
  /** EXA_API_KEY (undefined: web search answers "not configured"), EXA_BASE_URL. */
  exa: { apiKey: string | undefined; baseUrl: string };
  arxivApiUrl: string;
  /** ARXIV_AUTHOR_URL (author feeds); undefined: `/a/` on the API's origin. */
  arxivAuthorUrl?: string | undefined;
  /** OPENALEX_API_URL, OPENALEX_API_KEY (undefined: the directory is not asked, identity not verified). */
  openalex: { apiUrl: string; apiKey: string | undefined };
  /** Hosts that may be scraped even though they resolve to private addresses. */
  scrapeAllowHosts: readonly string[];
  /** Chromium for pages that need JavaScript; undefined: static HTML only. */
  chromiumPath: string | undefined;
  /** BROWSER_PAGES: pages the browser renders at once; undefined: the pool's default (1). */
  browserPages?: number | undefined;
}

export interface ClientTuning {
  /** arXiv's pause between requests (3 s; tests use less). */
  arxivIntervalMs?: number;
  pageTimeoutMs?: number;
  browserIdleCloseMs?: number;
}

const notConfigured = (variable: string, what: string) =>
  new PermanentError(ErrorCode.NotConfigured, `${variable} is not set, so Scribe cannot ${what}: set it and restart.`, {
    service: variable.startsWith('EXA') ? 'Exa' : 'Anthropic',
  });

/** Builds every client; `close()` shuts the browser (the only one holding resources). */
export function createPipelineClients(
  config: PipelineClientOptions,
  logger: Logger,
  tuning: ClientTuning = {},
): PipelineClients {
  const llm: Llm = config.anthropic.apiKey
    ? createAnthropicLlm({
        apiKey: config.anthropic.apiKey,
        baseUrl: config.anthropic.baseUrl,
        logger: logger.child({ client: 'anthropic' }),
      })
    : {
        complete: () => Promise.reject(notConfigured('ANTHROPIC_API_KEY', 'ask Claude (Anthropic)')),
        structured: () => Promise.reject(notConfigured('ANTHROPIC_API_KEY', 'ask Claude (Anthropic)')),
      };
  const search: WebSearch = config.exa.apiKey
    ? createExaSearch({ apiKey: config.exa.apiKey, baseUrl: config.exa.baseUrl })
    : { search: () => Promise.reject(notConfigured('EXA_API_KEY', 'search the web (Exa)')) };
  const papers = createArxivPapers({
    apiUrl: config.arxivApiUrl,
    authorUrl: config.arxivAuthorUrl,
    minIntervalMs: tuning.arxivIntervalMs,
  });
  // Without a key OpenAlex serves a few requests a day, shared with the world: not worth spending,
  // and never a failure of the email (the identity step says it was not verified).
  const directory = config.openalex.apiKey
    ? createOpenAlexDirectory({ apiUrl: config.openalex.apiUrl, apiKey: config.openalex.apiKey })
    : undefined;
  const guard = createUrlGuard({ allowHosts: config.scrapeAllowHosts });
  const browser = config.chromiumPath
    ? createBrowserPool({
        executablePath: config.chromiumPath,
        logger,
        idleCloseMs: tuning.browserIdleCloseMs,
        maxConcurrentPages: config.browserPages,
      })
    : undefined;
  const pages = createPageReader({ guard, browser, logger, timeoutMs: tuning.pageTimeoutMs });
  return {
    llm,
    search,
    papers,
    pages,
    directory,
    browser,
    preload: async () => {
      const libraries = [
        ...(config.anthropic.apiKey ? [['@anthropic-ai/sdk', preloadAnthropicSdk] as const] : []),
        ...(config.exa.apiKey ? [['exa-js', preloadExa] as const] : []),
      ];
      for (const [, load] of libraries) await load();
      return libraries.map(([name]) => name);
    },
    close: () => pages.close(),
  };
}
