/**
 * The real clients behind the pipeline's ports, built from Config. Composition roots call this;
 * nothing else constructs a client. A missing key does not stop the service: the port answers
 * with a permanent "not configured" error that names the variable to set.
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

const notConfigured = (what: string, variable: string) =>
  new PermanentError(ErrorCode.NotConfigured, `${what} is not configured: set ${variable}.`);

export function createPipelineClients(config: Config, logger: Logger, tuning: ClientTuning = {}): PipelineClients {
  const llm: Llm = config.anthropic.apiKey
    ? createAnthropicLlm({ apiKey: config.anthropic.apiKey, baseUrl: config.anthropic.baseUrl })
    : {
        complete: () => Promise.reject(notConfigured('Claude (Anthropic)', 'ANTHROPIC_API_KEY')),
        structured: () => Promise.reject(notConfigured('Claude (Anthropic)', 'ANTHROPIC_API_KEY')),
      };
  const search: WebSearch = config.exa.apiKey
    ? createExaSearch({ apiKey: config.exa.apiKey, baseUrl: config.exa.baseUrl })
    : { search: () => Promise.reject(notConfigured('Web search (Exa)', 'EXA_API_KEY')) };
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
