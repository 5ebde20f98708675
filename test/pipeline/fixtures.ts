/** Shared inputs and happy-path scripts for the pipeline tests. */
import { silentLogger } from '../../src/log.ts';
import { findPlaceholders, isSenderPlaceholder } from '../../src/pipeline/checks.ts';
import type { WebResult } from '../../src/pipeline/ports.ts';
import type { PipelineDeps } from '../../src/pipeline/runner.ts';
import { EMAIL_ANSWER } from '../../src/pipeline/steps/compose.ts';
import { PARSE_ANSWER } from '../../src/pipeline/steps/parse.ts';
import { SUMMARY_ANSWER } from '../../src/pipeline/steps/research.ts';
import { classifySlots, findSubject, hasRecipientSlot } from '../../src/pipeline/template.ts';
import type { ParsedTemplate, Paper, PipelineInput, TemplateType } from '../../src/pipeline/types.ts';
import {
  CallLog,
  llmDouble,
  memoryCache,
  pagesDouble,
  papersDouble,
  searchDouble,
  type LlmDoubleOptions,
  type StructuredRequest,
} from './doubles.ts';

export const TEMPLATE = `Dear Dr. {{last_name}},

I read your recent work on [their research topic] with great interest. My own thesis is on program synthesis for mechanical computers.

Would you have time for a short call next month? I would be glad to share my notes.

Best regards,
[Your Name]`;

export const INPUT: PipelineInput = {
  template: TEMPLATE,
  recipientName: 'Ada Lovelace',
  recipientInterest: 'analytical engines',
};

export const LONG_TEXT =
  'Ada Lovelace is a professor of computing at the University of London. ' +
  'She leads a group that studies analytical engines and their programs. ' +
  'Her recent work looks at loops in punched-card programs. '.repeat(8);

/** Two background results with text, one without (read through the page reader). */
export const BACKGROUND_RESULTS: WebResult[] = [
  { url: 'https://uni.example/~ada', title: 'Ada Lovelace — University of London', text: LONG_TEXT },
  { url: 'https://news.example/engines', title: 'Engines news', text: undefined },
];
export const PUBLICATION_RESULTS: WebResult[] = [
  // The same page as above, with a fragment: deduplicated.
  { url: 'https://uni.example/~ada#papers', title: 'Ada Lovelace — papers', text: LONG_TEXT },
  {
    url: 'https://scholar.example/ada',
    title: 'Ada Lovelace on Scholar',
    text: `${LONG_TEXT} Notes on the Analytical Engine.`,
  },
];

export function paper(id: string, title: string, year: number, abstract = ''): Paper {
  return {
    id,
    title,
    authors: ['Ada Lovelace'],
    year,
    abstract,
    url: `https://arxiv.org/abs/${id}`,
    categories: ['cs.PL'],
  };
}

export const PAPERS: Paper[] = [
  paper('2401.00001', 'A survey of weaving looms', 2024, 'Textile machinery.'),
  paper('2301.00002', 'Programs for analytical engines', 2023, 'We write programs for analytical engines.'),
  paper(
    '2201.00003',
    'Bernoulli numbers on a mechanical engine',
    2022,
    'An analytical engine computes Bernoulli numbers.',
  ),
];

/** The template text between the compose prompt's <template> markers. */
export function templateOf(request: StructuredRequest): string {
  const first = request.messages[0]?.content ?? '';
  const match = /<template>\n([\s\S]*?)\n<\/template>/.exec(first);
  if (!match?.[1]) throw new Error('no template in the compose prompt');
  return match[1];
}

/** The slots the compose prompt lists for the writer to fill. */
export function slotsOf(request: StructuredRequest): string[] {
  const first = request.messages[0]?.content ?? '';
  const list = /Slots for you to fill:\n((?:- .+\n?)+)/.exec(first)?.[1] ?? '';
  return [...list.matchAll(/^- (.+) \(a [^)]*\)$/gm)].map((m) => m[1] ?? '');
}

/** What `fillTemplate` puts in a slot. */
const fillFor = (slot: string) => (slot.includes('name') ? 'Lovelace' : 'programs for analytical engines');

/**
 * What a good writer answers: each listed slot filled as `fillTemplate` fills it, citing the first
 * numbered source (the name cites none: the person asking gave it).
 */
export function fillsAnswer(request: StructuredRequest) {
  const first = request.messages[0]?.content ?? '';
  const cited = /^\[(\d+)\] /m.exec(first)?.[1] ?? /<paper id="[^"]*" n="(\d+)"/.exec(first)?.[1];
  return {
    subject: /has no subject line/.test(first) ? 'Your programs for analytical engines' : '',
    fills: slotsOf(request).map((slot) => ({
      slot,
      text: fillFor(slot),
      sources: slot.includes('name') || cited === undefined ? [] : [Number(cited)],
    })),
  };
}

/** What a good writer does: every placeholder but the sender's name filled, the rest untouched. */
export function fillTemplate(template: string): string {
  let email = template;
  for (const p of findPlaceholders(template)) {
    if (!isSenderPlaceholder(p)) email = email.split(p).join(fillFor(p));
  }
  return email;
}

/** The parser model's answer for TEMPLATE. */
export function parseAnswer(templateType: TemplateType = 'RESEARCH') {
  return {
    templateType,
    searchTerms: ['analytical engines', 'Bernoulli numbers'],
    placeholders: [
      { text: '{{last_name}}', owner: 'recipient' as const },
      { text: '[their research topic]', owner: 'recipient' as const },
    ],
    language: 'en',
  };
}

/** A template's reading as step 1 stores it, its slots classified in code. */
export function parsedTemplate(
  templateType: TemplateType = 'RESEARCH',
  placeholders: string[] = findPlaceholders(TEMPLATE),
  template = TEMPLATE,
): ParsedTemplate {
  const slots = classifySlots(placeholders, new Map());
  const parsed: ParsedTemplate = {
    templateType,
    searchTerms: ['analytical engines', 'Bernoulli numbers'],
    placeholders,
    slots,
    hasRecipientSlot: hasRecipientSlot(slots),
    language: 'en',
  };
  const subject = findSubject(template);
  if (subject) parsed.subject = subject;
  return parsed;
}

export const SUMMARY =
  'Ada Lovelace is a professor of computing at the University of London [1]. She studies programs for analytical engines [2].';

/** An LLM double that answers every step well. */
export function happyLlmOptions(templateType: TemplateType = 'RESEARCH'): LlmDoubleOptions {
  return {
    structured: {
      [PARSE_ANSWER]: () => parseAnswer(templateType),
      [SUMMARY_ANSWER]: () => ({ summary: SUMMARY }),
      [EMAIL_ANSWER]: fillsAnswer,
    },
  };
}

export interface TestDepsOptions {
  templateType?: TemplateType;
  llm?: LlmDoubleOptions;
  latencyMs?: { llm?: number | Record<string, number>; search?: number; papers?: number; pages?: number };
  withCache?: boolean;
}

/** A full set of doubles sharing one CallLog, wired as `PipelineDeps`; sleeps are recorded, not waited. */
export function testDeps(options: TestDepsOptions = {}) {
  const log = new CallLog();
  const latency = options.latencyMs ?? {};
  const happy = happyLlmOptions(options.templateType);
  const llm = llmDouble({
    ...options.llm,
    structured: { ...happy.structured, ...options.llm?.structured },
    log,
    latencyMs: latency.llm ?? 0,
  });
  const search = searchDouble((q) => (q.includes('affiliation') ? BACKGROUND_RESULTS : PUBLICATION_RESULTS), {
    log,
    latencyMs: latency.search ?? 0,
  });
  const papers = papersDouble(() => PAPERS, { log, latencyMs: latency.papers ?? 0 });
  const pages = pagesDouble({ 'https://news.example/engines': LONG_TEXT }, { log, latencyMs: latency.pages ?? 0 });
  const cache = options.withCache ? memoryCache() : undefined;
  const sleeps: number[] = [];
  const deps: PipelineDeps = {
    llm,
    search,
    papers,
    pages,
    cache,
    models: { fast: 'fast-model', writer: 'writer-model' },
    researchCacheTtlMs: 24 * 3_600_000,
    retry: { baseMs: 10, maxMs: 100, sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
    logger: silentLogger(),
  };
  return { deps, log, llm, search, papers, pages, cache, sleeps };
}
