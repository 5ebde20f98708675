/**
 * The pipeline's data model. Everything here is plain JSON (it is saved step by step in the
 * `generations.steps` column and in `research_cache`), so no Dates, Maps or class instances.
 */

export const TEMPLATE_TYPES = ['RESEARCH', 'BOOK', 'GENERAL'] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];

/** Step names, in display order. Stable: stored in the database and shown to users. */
export const STEP_NAMES = ['parse', 'research', 'arxiv', 'compose'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const STEP_LABELS: Record<StepName, string> = {
  parse: 'Reading the template',
  research: 'Researching the web',
  arxiv: 'Finding papers on arXiv',
  compose: 'Writing the email',
};

export interface PipelineInput {
  template: string;
  recipientName: string;
  recipientInterest: string;
  /** Extra instruction for a regeneration, e.g. "Make it shorter". */
  instruction?: string | undefined;
}

/** Step 1 output. */
export interface ParsedTemplate {
  templateType: TemplateType;
  /** 1–5 search terms. */
  searchTerms: string[];
  /** Placeholders found in the template, as written (e.g. "{{research_topic}}", "[their book]"). */
  placeholders: string[];
}

/** A numbered web source; `n` is the number used in the summary's citations ([1], [2]). */
export interface Source {
  n: number;
  url: string;
  title: string;
}

/** Step 2 output. */
export interface ResearchOutput {
  /** ≈3,000 characters with numbered citations [n] that refer to `sources`. */
  summary: string;
  sources: Source[];
}

export interface Paper {
  /** arXiv id without version, e.g. "2401.00010" (always a string). */
  id: string;
  title: string;
  authors: string[];
  year: number;
  abstract: string;
  url: string;
  categories: string[];
}

/** Step 3 output. */
export interface ArxivOutput {
  papers: Paper[];
}

/** Step 4 output. */
export interface ComposeOutput {
  email: string;
  /** True when the email still falls short of the checks after the retry: shown as a draft. */
  draft: boolean;
  /** What the checks found, in plain words (empty when none). */
  problems: string[];
}

export interface StepOutputs {
  parse: ParsedTemplate;
  research: ResearchOutput;
  arxiv: ArxivOutput;
  compose: ComposeOutput;
}

/** What the runner records for a finished (or skipped) step. */
export interface StepRecord<S extends StepName = StepName> {
  status: 'done' | 'skipped';
  output: StepOutputs[S] | null;
  durationMs: number;
  warnings: string[];
  /** ISO time the step finished; the research cache TTL is measured from it. */
  finishedAt: string;
  /** True when the output came from the research cache or a parent generation, not a fresh run. */
  reused?: boolean;
}

export type StepRecords = { [S in StepName]?: StepRecord<S> };

export interface PipelineData {
  input: PipelineInput;
  steps: StepRecords;
}

/** What a step function returns to the runner. The runner adds timing. */
export interface StepResult<T> {
  output: T;
  warnings: string[];
}

export type ProgressEvent =
  | { step: StepName; kind: 'started' }
  | {
      step: StepName;
      kind: 'finished';
      durationMs: number;
      warnings: string[];
      /** True when the output was reused from the research cache rather than produced now. */
      reused?: boolean;
    }
  | { step: StepName; kind: 'skipped'; reason: string }
  | { step: StepName; kind: 'failed'; message: string }
  | {
      step: StepName;
      kind: 'retrying';
      /** The try about to be made (2 for the first retry) … */
      attempt: number;
      /** … out of this many in all (the retry policy's `attempts`). */
      of: number;
      delayMs: number;
      message: string;
    };
