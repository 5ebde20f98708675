/**
 * One recipient's web and arXiv record at real size, for the cost bench and the test that the
 * cheaper research loses nothing the email may cite (issue 21.6).
 *
 * Ten search results, five per query (background; papers), whose text is what Exa's `contents`
 * returns for pages of 20–60 KB of HTML: a faculty profile, a lab page, a publication list, a
 * news story, a department page, a CV, a talk page, an interview, a course page, a group blog —
 * 6,000 to 26,000 characters of text each. Varied prose (`longProse`) surrounds `FACTS`, the
 * sentences an email could cite; each is planted where pages put such things: the position at
 * the top of the profile, papers and awards far down long pages — but worded, as they are on real
 * pages, with the words a search for the person's work and role would match. Five papers on
 * arXiv, three about the interest, each abstract of real length (1,000–1,500 characters).
 *
 * `summaryReply` is the fake summariser: it writes each fact it is shown with the number of the
 * source it came from (from the quoted pages, or from notes that cite it), then fills up to the
 * summary's length as a model does, so the composer receives exactly the facts that got through.
 */
import { questionOf, type MessagesRequest, type Reply } from './anthropic.ts';
import type { FakePaper } from './arxiv.ts';
import type { ExaResult } from './exa.ts';
import type { OpenAlexAuthorJson, OpenAlexWorkJson } from './openalex.ts';
import { longProse } from './filler.ts';

export const WEB_RECIPIENT = { recipientName: 'Grace Hopper', recipientInterest: 'compiler design' } as const;

/** A template of real length, one recipient slot and the sender's. */
export const WEB_TEMPLATE = `Dear Professor {{last_name}},

I am a second-year PhD student at the University of Edinburgh, working on program synthesis for
domain-specific languages. I recently read your work on [their recent research] and it changed how
I think about the way a compiler should explain its choices to the person using it.

I am writing to ask whether you would be open to a short conversation about your group's current
projects. In particular, I would love to hear how you decide which optimisations to expose to
users, and whether your lab takes visiting students for a term. I have attached a two-page summary
of my thesis so far and a short list of questions, in case that helps you decide.

Thank you for your time, and for making your lecture notes public — they have been a great help to
me and to the reading group I run.

Best regards,
[Your Name]
[Your University]`;

/** What the email may cite; where each one sits is set in `PAGES`. */
export const FACTS = {
  position:
    'Grace Hopper is Professor of Computer Science at the University of Harbourview, where she leads the Compiler Design Lab.',
  lab: 'The Compiler Design Lab studies how compilers can explain their optimisation choices in plain language.',
  paper:
    'Her current work on compiler design includes the paper "Explaining Optimisations to Programmers", presented at PLDI 2024.',
  award: 'For her compiler design research she received the 2023 ACM SIGPLAN Distinguished Educator Award.',
  grant:
    'Her lab is funded by a five-year research grant for compiler design education from the National Science Foundation.',
  talk: 'In 2025 she gave the keynote talk on compiler design at the European Conference on Programming Languages.',
} as const;

interface PageSpec {
  path: string;
  title: string;
  chars: number;
  /** Facts and where they start, as a share of the page (0 = the top). */
  facts: [keyof typeof FACTS, number][];
}

const HOST = 'https://harbourview.example';

const BACKGROUND: PageSpec[] = [
  {
    path: '/~hopper',
    title: 'Grace Hopper — Faculty profile',
    chars: 12_000,
    facts: [
      ['position', 0],
      ['award', 0.7],
    ],
  },
  {
    path: '/cdl',
    title: 'Compiler Design Lab',
    chars: 24_000,
    facts: [
      ['lab', 0.02],
      ['grant', 0.6],
    ],
  },
  { path: '/news/2023/award', title: 'Hopper wins SIGPLAN award', chars: 8_000, facts: [['award', 0.1]] },
  { path: '/cs/people', title: 'Department of Computer Science — People', chars: 16_000, facts: [] },
  { path: '/blog/cdl', title: 'Compiler Design Lab blog', chars: 10_000, facts: [['talk', 0.5]] },
];
const PUBLICATIONS: PageSpec[] = [
  { path: '/~hopper/publications', title: 'Grace Hopper — Publications', chars: 26_000, facts: [['paper', 0.55]] },
  {
    path: '/~hopper/cv.pdf',
    title: 'Grace Hopper — Curriculum vitae',
    chars: 22_000,
    facts: [
      ['position', 0],
      ['grant', 0.8],
      ['talk', 0.9],
    ],
  },
  { path: '/events/keynote', title: 'ECPL 2025 keynote', chars: 6_000, facts: [['talk', 0.2]] },
  { path: '/interviews/hopper', title: 'An interview with Grace Hopper', chars: 14_000, facts: [['paper', 0.65]] },
  { path: '/courses/cs431', title: 'CS 431: Compiler Design', chars: 9_000, facts: [] },
];

function pageText(spec: PageSpec, seed: number): string {
  let text = longProse(spec.chars, seed);
  // From the deepest up, so earlier offsets stay where they were meant to be.
  for (const [fact, at] of [...spec.facts].sort((a, b) => b[1] - a[1])) {
    const cut = Math.floor(text.length * at);
    const boundary = at === 0 ? 0 : text.indexOf('. ', cut) + 2;
    text = `${text.slice(0, boundary)}${FACTS[fact]} ${text.slice(boundary)}`;
  }
  return text.slice(0, spec.chars);
}

const resultsOf = (specs: PageSpec[], seed: number): ExaResult[] =>
  specs.map((spec, i) => ({ url: `${HOST}${spec.path}`, title: spec.title, text: pageText(spec, seed + i) }));

export const BACKGROUND_PAGES = resultsOf(BACKGROUND, 100);
export const PUBLICATION_PAGES = resultsOf(PUBLICATIONS, 200);

const abstract = (first: string, chars: number, seed: number) => `${first} ${longProse(chars, seed)}`.slice(0, chars);
/** An abstract that shares no word with the interest ("compiler design"). */
const offTopic = (first: string, chars: number, seed: number) =>
  abstract(first, chars, seed).replace(/\b(design|compil)\w*/gi, 'history');

/** Five papers, newest first; three about compiler design. */
export const ARXIV_FEED: FakePaper[] = [
  {
    id: '2405.01001',
    title: 'Explaining Optimisations to Programmers',
    authors: ['Grace Hopper', 'Jean Sammet'],
    published: '2024-05-02T00:00:00Z',
    summary: abstract('Compiler design rarely tells programmers why an optimisation fired.', 1_400, 301),
    categories: ['cs.PL'],
  },
  {
    id: '2402.02002',
    title: 'A History of Punched-Card Payroll Systems',
    authors: ['Grace Hopper'],
    published: '2024-02-10T00:00:00Z',
    summary: offTopic('We survey payroll machinery of the 1950s.', 1_100, 302),
    categories: ['cs.CY'],
  },
  {
    id: '2311.03003',
    title: 'Compiler Design for Domain-Specific Languages, Revisited',
    authors: ['Grace Hopper', 'Frances Allen'],
    published: '2023-11-05T00:00:00Z',
    summary: abstract(
      'Compiler design for small languages has changed since the first business compilers.',
      1_500,
      303,
    ),
    categories: ['cs.PL'],
  },
  {
    id: '2306.04004',
    title: 'Teaching Debugging with Moths',
    authors: ['Grace Hopper'],
    published: '2023-06-01T00:00:00Z',
    summary: offTopic('An anecdote turned into a curriculum.', 1_000, 304),
    categories: ['cs.CY'],
  },
  {
    id: '2210.05005',
    title: 'Readable Intermediate Representations for Compiler Design Courses',
    authors: ['Grace Hopper', 'Betty Holberton'],
    published: '2022-10-20T00:00:00Z',
    summary: abstract('Students learn compiler design faster from a readable intermediate form.', 1_300, 305),
    categories: ['cs.PL'],
  },
];

const HARBOURVIEW = { id: 'https://openalex.org/I900', display_name: 'University of Harbourview', country_code: 'GB' };
export const HOPPER_OPENALEX_ID = 'A900';
const HOPPER: OpenAlexAuthorJson = {
  id: `https://openalex.org/${HOPPER_OPENALEX_ID}`,
  display_name: 'Grace Hopper',
  orcid: null,
  works_count: 5,
  cited_by_count: 120,
  last_known_institutions: [HARBOURVIEW],
  affiliations: [{ institution: HARBOURVIEW, years: [2025, 2024, 2023, 2022] }],
  topics: [
    {
      id: 'https://openalex.org/T900',
      display_name: 'Compiler design and optimisation',
      count: 4,
      subfield: { id: 'https://openalex.org/S1712', display_name: 'Software' },
      field: { id: 'https://openalex.org/F17', display_name: 'Computer Science' },
      domain: { id: 'https://openalex.org/D3', display_name: 'Physical Sciences' },
    },
  ],
};

/**
 * Where each arXiv paper appeared, as OpenAlex records it (one work, the published version first,
 * the arXiv copy among its locations); undefined: only on arXiv. The first is the fact
 * `FACTS.paper` states on the publication pages.
 */
export const VENUES: Record<string, string | undefined> = {
  '2405.01001': 'ACM SIGPLAN Conference on Programming Language Design and Implementation (PLDI)',
  '2402.02002': 'IEEE Annals of the History of Computing',
  '2311.03003': 'ACM Transactions on Programming Languages and Systems',
  '2306.04004': undefined,
  '2210.05005': 'ACM Technical Symposium on Computer Science Education (SIGCSE)',
};

/**
 * Grace Hopper in OpenAlex: one profile at the University of Harbourview, her five arXiv papers
 * as works with their venues (`VENUES`). `worksWithVenue` keeps the venue on only that many of
 * the papers about the interest (the others as preprints), to measure how much of the record
 * the publications search may rest on.
 */
export function hopperOpenAlex(worksWithVenue = 3): { authors: OpenAlexAuthorJson[]; works: OpenAlexWorkJson[] } {
  let venues = 0;
  const works = ARXIV_FEED.map((paper, i): OpenAlexWorkJson => {
    const about = !/payroll|moths/i.test(paper.title);
    const venue = VENUES[paper.id] && (!about || venues++ < worksWithVenue) ? VENUES[paper.id] : undefined;
    const arxiv = {
      landing_page_url: `https://arxiv.org/abs/${paper.id}`,
      source: { display_name: 'arXiv (Cornell University)' },
    };
    const year = Number(paper.published.slice(0, 4));
    return {
      id: `https://openalex.org/W90${i}`,
      doi: venue ? `https://doi.org/10.1145/90${i}` : `https://doi.org/10.48550/arxiv.${paper.id}`,
      title: paper.title,
      display_name: paper.title,
      publication_year: year,
      publication_date: paper.published.slice(0, 10),
      type: venue ? 'article' : 'preprint',
      primary_location: venue
        ? { landing_page_url: `https://doi.org/10.1145/90${i}`, source: { display_name: venue } }
        : arxiv,
      locations: venue
        ? [{ landing_page_url: `https://doi.org/10.1145/90${i}`, source: { display_name: venue } }, arxiv]
        : [arxiv],
      authorships: paper.authors.map((name, j) => ({
        author_position: j === 0 ? 'first' : j === paper.authors.length - 1 ? 'last' : 'middle',
        author:
          name === 'Grace Hopper'
            ? { id: HOPPER.id, display_name: name, orcid: null }
            : { id: `https://openalex.org/A91${i}${j}`, display_name: name, orcid: null },
        institutions: name === 'Grace Hopper' ? [HARBOURVIEW] : [],
        raw_author_name: name,
      })),
      cited_by_count: 10,
    };
  });
  return { authors: [HOPPER], works };
}

const FACT_TEXTS = Object.values(FACTS);
const FILL = 'The pages describe her teaching, her students and the lab\u2019s open-source tools in some detail';

/**
 * The fake summariser's answer (`research_summary`): each fact in the prompt with its source
 * number, then sentences that cite the sources until the summary is about `chars` long.
 */
export function summaryReply(prompt: string, chars = 3_000): { json: { summary: string } } {
  const found = new Map<string, number>();
  for (const [, n, body] of prompt.matchAll(/<source n="(\d+)"[^>]*>\n([\s\S]*?)\n<\/source>/g)) {
    for (const fact of FACT_TEXTS) if (body?.includes(fact) && !found.has(fact)) found.set(fact, Number(n));
  }
  for (const fact of FACT_TEXTS) {
    const cited = new RegExp(`${fact.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\[(\\d+)\\]`).exec(prompt);
    if (cited && !found.has(fact)) found.set(fact, Number(cited[1]));
  }
  const numbers = [...prompt.matchAll(/<source n="(\d+)"/g)].map((m) => Number(m[1]));
  const sentences = [...found].map(([fact, n]) => `${fact} [${n}]`);
  for (let i = 0; sentences.join(' ').length < chars - 120 && numbers.length > 0; i++) {
    sentences.push(`${FILL} (part ${i + 1}). [${numbers[i % numbers.length]}]`);
  }
  return { json: { summary: sentences.join(' ') } };
}

/** The facts a text carries. */
export const factsIn = (text: string): string[] => FACT_TEXTS.filter((fact) => text.includes(fact));

/** Points the fakes at this recipient: Exa's two queries, the arXiv feed, the summariser. */
export function serveRecipientWeb(fakes: {
  exa: { results(match: RegExp, results: ExaResult[]): void };
  arxiv: { papers: FakePaper[] };
  anthropic: { respond(responder: (request: MessagesRequest) => Reply): void };
  openalex?: { authors: OpenAlexAuthorJson[]; works: OpenAlexWorkJson[] };
}): void {
  if (fakes.openalex) Object.assign(fakes.openalex, hopperOpenAlex());
  fakes.exa.results(/papers|publications|books/, PUBLICATION_PAGES);
  fakes.exa.results(/affiliation/, BACKGROUND_PAGES);
  fakes.arxiv.papers = ARXIV_FEED;
  fakes.anthropic.respond((request) =>
    questionOf(request) === 'research_summary'
      ? summaryReply(request.messages.map((m) => m.content).join('\n'))
      : undefined,
  );
}
