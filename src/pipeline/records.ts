/**
 * zod schemas for step records read back from storage (`generations.steps`, the research cache),
 * tied to the types in `types.ts` with `satisfies`, so a change to a type that the schema does not
 * follow fails to type-check. JSON from the database is a boundary like any other: it may be a row
 * written by an older version, or edited by hand.
 *
 * These describe what the pipeline *stored*, not what a model may answer: the answer schemas in
 * `steps/` are stricter (e.g. at most 5 search terms), and the stored output is what the step
 * made of the answer.
 */
import { z } from 'zod';
import { IdentityOutputSchema } from './identity/schema.ts';
import type { CachedResearch } from './ports.ts';
import { classifySlots, hasRecipientSlot } from './template.ts';
import {
  SLOT_OWNERS,
  STEP_NAMES,
  TEMPLATE_TYPES,
  type ArxivOutput,
  type ComposeOutput,
  type Fill,
  type ParsedTemplate,
  type Paper,
  type ResearchOutput,
  type Source,
  type StepName,
  type StepRecord,
  type StepRecords,
} from './types.ts';

export const SourceSchema = z.object({
  n: z.number().int().positive(),
  url: z.string(),
  title: z.string(),
}) satisfies z.ZodType<Source>;

export const ResearchOutputSchema = z.object({
  summary: z.string(),
  sources: z.array(SourceSchema),
  recipientEmail: z.object({ address: z.string(), source: z.number().int().positive() }).optional(),
}) satisfies z.ZodType<ResearchOutput>;

export const PaperSchema = z.object({
  id: z.string(),
  title: z.string(),
  authors: z.array(z.string()),
  year: z.number().int(),
  abstract: z.string(),
  url: z.string(),
  categories: z.array(z.string()),
  venue: z.string().optional(),
}) satisfies z.ZodType<Paper>;

export const ArxivOutputSchema = z.object({ papers: z.array(PaperSchema) }) satisfies z.ZodType<ArxivOutput>;

/**
 * A template's reading. One stored before issue 21 has no slots, language or subject: its slots
 * are classified in code (`classifySlots`, the sender's never filled) and its language taken as English.
 */
export const ParseOutputSchema = z
  .object({
    templateType: z.enum(TEMPLATE_TYPES),
    searchTerms: z.array(z.string()),
    placeholders: z.array(z.string()),
    slots: z.array(z.object({ placeholder: z.string(), owner: z.enum(SLOT_OWNERS) })).optional(),
    hasRecipientSlot: z.boolean().optional(),
    language: z.string().min(1).default('en'),
    subject: z.object({ line: z.string(), text: z.string() }).optional(),
  })
  .transform(({ slots, hasRecipientSlot: has, ...rest }) => {
    const known = slots ?? classifySlots(rest.placeholders, new Map());
    return { ...rest, slots: known, hasRecipientSlot: has ?? hasRecipientSlot(known) };
  }) satisfies z.ZodType<ParsedTemplate>;

export const FillSchema = z.object({
  slot: z.string(),
  text: z.string(),
  sources: z.array(z.number().int()),
}) satisfies z.ZodType<Fill>;

export const ComposeOutputSchema = z.object({
  email: z.string().min(1),
  draft: z.boolean(),
  problems: z.array(z.string()),
  subject: z.string().optional(),
  fills: z.array(FillSchema).optional(),
  senderLeft: z.array(z.string()).optional(),
}) satisfies z.ZodType<ComposeOutput>;

function stepRecordSchema<T extends z.ZodType>(output: T) {
  return z.object({
    status: z.enum(['done', 'skipped']),
    output: output.nullable(),
    durationMs: z.number().nonnegative(),
    warnings: z.array(z.string()),
    finishedAt: z.string(),
    reused: z.boolean().optional(),
  });
}

/**
 * A record the run cannot go on without unless it holds an output: the template's reading (every
 * later step needs it) and the email. Parse and compose are never skipped, so a null output there
 * is a broken record, redone rather than trusted.
 */
function doneRecordSchema<T extends z.ZodType>(output: T) {
  return stepRecordSchema(output).extend({ status: z.literal('done'), output });
}

export const ParseRecordSchema = doneRecordSchema(ParseOutputSchema) satisfies z.ZodType<StepRecord<'parse'>>;
export const ResearchRecordSchema = stepRecordSchema(ResearchOutputSchema) satisfies z.ZodType<StepRecord<'research'>>;
export const IdentityRecordSchema = stepRecordSchema(IdentityOutputSchema) satisfies z.ZodType<StepRecord<'identity'>>;
export const ArxivRecordSchema = stepRecordSchema(ArxivOutputSchema) satisfies z.ZodType<StepRecord<'arxiv'>>;
export const ComposeRecordSchema = doneRecordSchema(ComposeOutputSchema) satisfies z.ZodType<StepRecord<'compose'>>;

/** A research cache value: research, who the recipient is, and arXiv when the template wanted it. */
export const CachedResearchSchema = z
  .object({
    // Stored as JSON: an undefined member is simply absent.
    research: ResearchRecordSchema.optional(),
    identity: IdentityRecordSchema.optional(),
    arxiv: ArxivRecordSchema.optional(),
  })
  .transform(({ research, identity, arxiv }) => ({ research, identity, arxiv })) satisfies z.ZodType<CachedResearch>;

/** One schema per step name. */
export const STEP_RECORD_SCHEMAS = {
  parse: ParseRecordSchema,
  research: ResearchRecordSchema,
  identity: IdentityRecordSchema,
  arxiv: ArxivRecordSchema,
  compose: ComposeRecordSchema,
} as const satisfies { [S in StepName]: z.ZodType<StepRecord<S>> };

/** A stored step record that did not parse, and why (for the log). */
export interface InvalidStepRecord {
  step: string;
  problem: string;
}

/**
 * Parses a stored `steps` object record by record. A record that does not parse is left out —
 * the runner then does that step again, which is always safe — and reported in `invalid`; so is a
 * key that names no step. A value that is not an object at all yields no steps.
 */
export function parseStepRecords(value: unknown): { steps: StepRecords; invalid: InvalidStepRecord[] } {
  const steps: StepRecords = {};
  const invalid: InvalidStepRecord[] = [];
  if (value === null || value === undefined) return { steps, invalid };
  if (typeof value !== 'object' || Array.isArray(value)) {
    return {
      steps,
      invalid: [
        {
          step: '*',
          problem: `expected an object of step records, got ${Array.isArray(value) ? 'an array' : typeof value}`,
        },
      ],
    };
  }
  for (const [step, record] of Object.entries(value)) {
    if (!isStepName(step)) {
      invalid.push({ step, problem: 'not a step name' });
      continue;
    }
    const parsed = STEP_RECORD_SCHEMAS[step].safeParse(record);
    if (parsed.success) (steps as Record<StepName, StepRecord>)[step] = parsed.data;
    else invalid.push({ step, problem: z.prettifyError(parsed.error) });
  }
  return { steps, invalid };
}

function isStepName(name: string): name is StepName {
  return (STEP_NAMES as readonly string[]).includes(name);
}
