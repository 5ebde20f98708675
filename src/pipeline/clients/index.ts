/**
 * The real clients behind the pipeline's ports, built from Config. Composition roots call this;
 * nothing else constructs a client. A missing key does not stop the service: the port answers
 * with a permanent "not configured" error that names the variable to set. (Web search without
 * EXA_API_KEY throws too rather than returning no results: an email silently written without
 * research would look like a bad email, not like a missing setting.)
 */
import type { Config } from '../../config.ts';
import { ErrorCode, PermanentError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Llm, PageReader, PaperSearch, WebSearch } from '../ports.ts';
import { createAnthropicLlm } from './anthropic.ts';
import { createArxivPapers } from './arxiv.ts';
import { createBrowserPool, type BrowserPool } from './browser.ts';
import { createExaSearch } from './exa.ts';
import { createPageReader } from './page-reader.ts';
import { createUrlGuard } from './ssrf.ts';

export interface PipelineClients {
  llm: Llm;
  search: WebSearch;
  papers: PaperSearch;
  pages: PageReader;
  /** The shared browser, when Chromium is configured (benchmarks read its pid). */
  browser: BrowserPool | undefined;
  close(): Promise<void>;
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

/** Builds every client from Config; `close()` shuts the browser (the only one holding resources). */
export function createPipelineClients(config: Config, logger: Logger, tuning: ClientTuning = {}): PipelineClients {
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
  const papers = createArxivPapers({ apiUrl: config.arxivApiUrl, minIntervalMs: tuning.arxivIntervalMs });
  const guard = createUrlGuard({ allowHosts: config.scrapeAllowHosts });
  const browser = config.chromiumPath
    ? createBrowserPool({ executablePath: config.chromiumPath, logger, idleCloseMs: tuning.browserIdleCloseMs })
    : undefined;
  const pages = createPageReader({ guard, browser, logger, timeoutMs: tuning.pageTimeoutMs });
  return {
    llm,
    search,
    papers,
    pages,
    browser,
    close: () => pages.close(),
  };
}
