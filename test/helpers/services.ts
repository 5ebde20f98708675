/**
 * Every external service the pipeline talks to, faked on 127.0.0.1 and seeded with one
 * recipient (Dr. Ada Lovelace): the environment that points Scribe at them, for in-process
 * clients (`config`) and child processes (`env`).
 */
import { loadConfig, type Config } from '../../src/config.ts';
import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic.ts';
import { startFakeArxiv, type FakeArxiv } from '../fakes/arxiv.ts';
import { startFakeExa, type FakeExa } from '../fakes/exa.ts';
import { PROFILE_TEXT, startFakePages, type FakePages } from '../fakes/pages.ts';

export const TEMPLATE = `Dear Dr. {{last_name}},

I read your recent work on [their research topic] with great interest. My own thesis is on program synthesis for mechanical computers.

Would you have time for a short call next month? I would be glad to share my notes.

Best regards,
[Your Name]`;

export const RECIPIENT = { recipientName: 'Ada Lovelace', recipientInterest: 'analytical engines' };

export interface Services {
  anthropic: FakeAnthropic;
  exa: FakeExa;
  arxiv: FakeArxiv;
  pages: FakePages;
  /** Environment variables pointing Scribe at the fakes. */
  env: Record<string, string>;
  config(extra?: Record<string, string>): Config;
  close(): Promise<void>;
}

export async function startServices(): Promise<Services> {
  const [anthropic, exa, arxiv, pages] = await Promise.all([
    startFakeAnthropic(),
    startFakeExa(),
    startFakeArxiv(),
    startFakePages(),
  ]);
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
    SCRAPE_ALLOW_HOSTS: '127.0.0.1',
  };
  return {
    anthropic,
    exa,
    arxiv,
    pages,
    env,
    config: (extra = {}) => loadConfig({ ...env, ...extra }),
    async close() {
      await Promise.all([anthropic.close(), exa.close(), arxiv.close(), pages.close()]);
    },
  };
}
