/**
 * The pipeline's data model. Everything here is plain JSON (it is saved step by step in the
 * `generations.steps` column and in `research_cache`), so no Dates, Maps or class instances.
 */
import type { SenderProfile } from './sender.ts';

export const TEMPLATE_TYPES = ['RESEARCH', 'BOOK', 'GENERAL'] as const;
export type TemplateType = (typeof TEMPLATE_TYPES)[number];

/** Step names, in display order. Stable: stored in the database and shown to users. */
export const STEP_NAMES = ['parse', 'research', 'identity', 'arxiv', 'compose'] as const;
export type StepName = (typeof STEP_NAMES)[number];

export const STEP_LABELS: Record<StepName, string> = {
  parse: 'Reading the template',
  research: 'Researching the web',
  identity: 'Checking who the recipient is',
  arxiv: 'Finding papers on arXiv',
  compose: 'Writing the email',
};

export interface PipelineInput {
  template: string;
  recipientName: string;
  recipientInterest: string;
  /** Extra instruction for a regeneration, e.g. "Make it shorter". */
  instruction?: string | undefined;
  /**
   * The sender's details, for the template's sender slots: filled in code after the writer has
   * answered, never sent to a model (`sender.ts`). Absent: those slots stay as written.
   */
  sender?: SenderProfile | undefined;
  /** Who the person asking means (issue 20), validated by `validateIdentityHint`. */
  identityHint?: IdentityHint | undefined;
}

/**
 * Who fills a placeholder: `recipient` — research fills it with a short phrase about the recipient
 * ("[their research topic]", "{{last_name}}"); `personal` — research fills it with a free personal
 * line of one or two sentences ("[personal note]"); `sender` — the person sending fills it
 * ("[Your University]", "[Ihr Name]", "{my_name}"): it stays visible, never invented.
 */
export const SLOT_OWNERS = ['recipient', 'personal', 'sender'] as const;
export type SlotOwner = (typeof SLOT_OWNERS)[number];

export interface Slot {
  /** The placeholder exactly as written in the template. */
  placeholder: string;
  owner: SlotOwner;
}

/** A subject line the template itself has ("Subject: …", "Betreff: …", "主题：…"), its first line. */
export interface TemplateSubject {
  /** The whole line as written, label included. */
  line: string;
  /** What follows the label (may hold placeholders). */
  text: string;
}

/** Step 1 output. */
export interface ParsedTemplate {
  templateType: TemplateType;
  /** 1–5 search terms. */
  searchTerms: string[];
  /** Placeholders found in the template, as written (e.g. "{{research_topic}}", "[their book]"). */
  placeholders: string[];
  /** Each placeholder with who fills it, in the order of `placeholders`. */
  slots: Slot[];
  /** False when no placeholder is for research to fill: the composer then returns the template as it is. */
  hasRecipientSlot: boolean;
  /** The template's language, a BCP-47-ish code ("en", "de", "zh"); fills are written in it. */
  language: string;
  subject?: TemplateSubject | undefined;
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
  /**
   * The recipient's email address, only when a kept source shows it (a `mailto:`, or an address by
   * their name: src/pipeline/recipient-email.ts), with that source's number. Never guessed.
   */
  recipientEmail?: RecipientEmail | undefined;
}

/** An address a source shows for the recipient, and the source's number (`Source.n`). */
export interface RecipientEmail {
  address: string;
  source: number;
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
  /**
   * Where it was published, as the directory's record names it ("Nature", "arXiv (Cornell
   * University)"); absent when no record gives one (arXiv's own feed never does).
   */
  venue?: string | undefined;
}

/** Step 3 output. */
export interface ArxivOutput {
  papers: Paper[];
}

/** One recipient or personal slot's text, with the numbers of what it stands on (`numberSources`). */
export interface Fill {
  /** The placeholder as written in the template. */
  slot: string;
  text: string;
  /** Web sources' `n`, then papers numbered after them; empty when the fill is the recipient's name or interest. */
  sources: number[];
}

/** Step 4 output. */
export interface ComposeOutput {
  /** The template with each recipient and personal slot replaced by its fill; every other byte as written. */
  email: string;
  /** The template's subject line with its slots filled, else one the writer wrote (≤ 70 characters). Absent for older and edited versions. */
  subject?: string | undefined;
  /** What was put in each slot; absent for older and edited versions. */
  fills?: Fill[] | undefined;
  /** True when the email still falls short of the checks after the retry: shown as a draft. */
  draft: boolean;
  /** What the checks found, in plain words (empty when none). */
  problems: string[];
  /** The sender's slots left as written because the sender profile has nothing for them; absent for older versions. */
  senderLeft?: string[] | undefined;
}

export interface StepOutputs {
  parse: ParsedTemplate;
  research: ResearchOutput;
  identity: IdentityOutput;
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

/** An institution as a scholarly directory names it. */
export interface Institution {
  name: string;
  /** ISO 3166-1 alpha-2, when known. */
  countryCode?: string | undefined;
}

/** An author profile in a scholarly directory (OpenAlex). One profile may merge several people. */
export interface ScholarAuthor {
  /** OpenAlex short id, e.g. "A5023888391". */
  id: string;
  name: string;
  alternativeNames: string[];
  /** Bare ORCID iD, e.g. "0000-0002-1825-0097". */
  orcid?: string | undefined;
  worksCount: number;
  citedByCount: number;
  /** Last known institutions. */
  institutions: Institution[];
  /** Every institution claimed on the profile's works, with the years. */
  affiliations: { institution: Institution; years: number[] }[];
  /** Research topics, most frequent first, with their subfield and field. */
  topics: { name: string; subfield?: string | undefined; field?: string | undefined }[];
}

/** One work of an author, as the directory lists it. */
export interface ScholarWork {
  /** OpenAlex short id, e.g. "W2741809807". */
  id: string;
  title: string;
  year?: number | undefined;
  /** Lower case, without the resolver: "10.48550/arxiv.2401.00010". */
  doi?: string | undefined;
  /** The arXiv id without version, when the work is (also) on arXiv. */
  arxivId?: string | undefined;
  venue?: string | undefined;
  url?: string | undefined;
  /** Every author's name, in order. */
  authors: string[];
  /** Institutions the listed author gave on this work (tells the people of a merged profile apart). */
  authorInstitutions: string[];
}

/**
 * What the person asking said about who they mean (all optional, already validated by
 * `validateIdentityHint`). An ORCID, OpenAlex author id or arXiv author id is decisive.
 */
export interface IdentityHint {
  affiliation?: string | undefined;
  /** Bare, checksum verified. */
  orcid?: string | undefined;
  /** "A…" */
  openalexId?: string | undefined;
  /** arXiv's author identifier, e.g. "lovelace_a_1". */
  arxivAuthorId?: string | undefined;
  profileUrl?: string | undefined;
}

/** Why a candidate scored what it did: one line each, with the points it gave. */
export interface IdentityEvidence {
  kind: 'hint' | 'orcid' | 'institution' | 'topic' | 'activity';
  detail: string;
  points: number;
}

export interface IdentityCandidate {
  author: ScholarAuthor;
  score: number;
  evidence: IdentityEvidence[];
  /** Recent works (newest first): the papers when this candidate is the person, and the question's "one recent title". */
  works: ScholarWork[];
  /** True when the profile looks like several people merged (very many works, concurrent institutions). */
  merged: boolean;
  /** The profile's institutions that the evidence names (the hint, the profile page, the pages found). */
  confirmedInstitutions: string[];
}

/**
 * - `confident`: `chosenId` is the person (scores, a decisive hint, or the user's choice);
 * - `ambiguous`: the top candidates are too close: ask the user ("Which Jun Li?");
 * - `none-found`: the directory knows no such person, or the user said "None of these";
 * - `no-source`: the directory could not be asked (no key, allowance spent): identity not verified.
 */
export type IdentityDecision = 'confident' | 'ambiguous' | 'none-found' | 'no-source';

/** The identity step's output (issue 20), stored as the generation's `steps.identity`. */
export interface IdentityOutput {
  decision: IdentityDecision;
  /** How the decision was reached. */
  basis: 'hint' | 'scores' | 'choice' | 'directory';
  /** The candidate that is the person, when `confident`. */
  chosenId?: string | undefined;
  /** Best first, at most four (the question's options). */
  candidates: IdentityCandidate[];
  /** Said on the result when identity could not be verified, in plain words. */
  note?: string | undefined;
  hint: IdentityHint;
  /**
   * While "Which …?" waits for its answer (issue 20): what the research and the arXiv step had
   * found when the question was asked, so the answer resumes with no new search. Dropped once the
   * research is written from it.
   */
  held?: IdentityHeld | undefined;
}

/** What the research had read and arXiv had found when the run paused for "Which …?". */
export interface IdentityHeld {
  /** The pages the research read (each cut to the corpus budget), before any was left out. */
  pages: { url: string; title: string; text: string }[];
  /** The research's warnings so far ("2 of 5 pages could not be read"). */
  warnings: string[];
  /** arXiv's answer for the name, before any was kept; absent when arXiv had not answered (or is not used). */
  papers?: Paper[] | undefined;
}
