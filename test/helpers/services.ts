/**
 * Every external service the pipeline talks to, faked on 127.0.0.1 and seeded with one
 * recipient (Dr. Ada Lovelace): the environment that points Scribe at them, for in-process
 * clients (`config`) and child processes (`env`).
 */
import { loadConfig, type Config } from '../../src/config.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.ts';
import { startFakeArxiv, type FakeArxiv } from '../fakes/arxiv.ts';
import { startFakeExa, type FakeExa } from '../fakes/exa.ts';
import { startFakeOpenAlex, type FakeOpenAlex } from '../fakes/openalex.ts';
import { ADA_NAMESAKES } from './namesakes.ts';
import { PROFILE_TEXT, startFakePages, type FakePages } from '../fakes/pages.ts';

export const TEMPLATE = `Dear Dr. {{last_name}},

I read your recent work on [their research topic] with great interest. My own thesis is on program synthesis for mechanical computers.

Would you have time for a short call next month? I would be glad to share my notes.

Best regards,
[Your Name]`;

export const RECIPIENT = { recipientName: 'Ada Lovelace', recipientInterest: 'analytical engines' };

/** The OpenAlex key the fake accepts: set OPENALEX_API_KEY to it to have the identity step ask OpenAlex. */
export const OPENALEX_TEST_KEY = 'openalex-test-key';

export interface Services {
  anthropic: FakeAnthropic;
  exa: FakeExa;
  arxiv: FakeArxiv;
  /** OPENALEX_API_URL points here; without OPENALEX_API_KEY (`OPENALEX_TEST_KEY`) it is not asked. */
  openalex: FakeOpenAlex;
  pages: FakePages;
  /** Environment variables pointing Scribe at the fakes. */
  env: Record<string, string>;
  config(extra?: Record<string, string>): Config;
  close(): Promise<void>;
}

export async function startServices(): Promise<Services> {
  const [anthropic, exa, arxiv, openalex, pages] = await Promise.all([
    startFakeAnthropic(),
    startFakeExa(),
    startFakeArxiv(),
    startFakeOpenAlex(ADA_NAMESAKES.authors, ADA_NAMESAKES.works),
    startFakePages(),
  ]);
  openalex.requireKey = OPENALEX_TEST_KEY;
  exa.defaults = [
    { url: 'https://uni.example/~ada', title: 'Ada Lovelace — University of London', text: PROFILE_TEXT },
    { url: pages.page('/profile'), title: 'Ada Lovelace — profile', text: undefined },
  ];
  arxiv.papers = [
    {
      id: '2401.00010',
      title: 'Programs for analytical engines',
      authors: ['Ada Lovelace', 'Charles Babbage'],
      published: '2024-01-02T00:00:00Z',
      summary: 'We write loops for analytical engines.',
      categories: ['cs.PL'],
    },
    {
      id: '2301.00020',
      title: 'A survey of weaving looms',
      authors: ['Ada Lovelace'],
      published: '2023-01-02T00:00:00Z',
      summary: 'Textile machinery.',
      categories: ['cs.CY'],
    },
  ];
  const env = {
    ANTHROPIC_API_KEY: anthropic.apiKey,
    ANTHROPIC_BASE_URL: anthropic.url,
    EXA_API_KEY: exa.apiKey,
    EXA_BASE_URL: exa.url,
    ARXIV_API_URL: arxiv.apiUrl,
    OPENALEX_API_URL: openalex.url,
    SCRAPE_ALLOW_HOSTS: '127.0.0.1',
    // Tests are not about the pages' deadline unless they set one: on a loaded machine the
    // extraction thread and the browser take seconds to start (test/pipeline/slow-pages.test.ts).
    RESEARCH_PAGES_DEADLINE: '60s',
    // Unset, it would follow the machine's memory (8 on a big test machine): tests that want more
    // than one generation at once say so.
    WORKER_CONCURRENCY: '1',
  };
  return {
    anthropic,
    exa,
    arxiv,
    openalex,
    pages,
    env,
    config: (extra = {}) => loadConfig({ ...env, ...extra }),
    async close() {
      await Promise.all([anthropic.close(), exa.close(), arxiv.close(), openalex.close(), pages.close()]);
    },
  };
}

/** Everything the last composer call was sent (the Anthropic fake records it): what the email may draw on. */
export function composerPrompt(services: Pick<Services, 'anthropic'>): string {
  const call = services.anthropic.callsFor('email').at(-1);
  return call ? JSON.stringify(call.messages) : '';
}
