/**
 * zod schemas for step records read back from storage (the research cache), tied to the types
 * in `types.ts` with `satisfies`, so a change to a type that the schema does not follow fails to
 * type-check. JSON from the database is a boundary like any other: it may be a row written by an
 * older version, or edited by hand.
 */
import { z } from 'zod';
import type { CachedResearch } from './ports.ts';
import type { ArxivOutput, Paper, ResearchOutput, Source, StepRecord } from './types.ts';

export const SourceSchema = z.object({
  n: z.number().int().positive(),
  url: z.string(),
  title: z.string(),
}) satisfies z.ZodType<Source>;

export const ResearchOutputSchema = z.object({
  summary: z.string(),
  sources: z.array(SourceSchema),
}) satisfies z.ZodType<ResearchOutput>;

export const PaperSchema = z.object({
  id: z.string(),
  title: z.string(),
  authors: z.array(z.string()),
  year: z.number().int(),
  abstract: z.string(),
  url: z.string(),
  categories: z.array(z.string()),
}) satisfies z.ZodType<Paper>;

export const ArxivOutputSchema = z.object({ papers: z.array(PaperSchema) }) satisfies z.ZodType<ArxivOutput>;

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

export const ResearchRecordSchema = stepRecordSchema(ResearchOutputSchema) satisfies z.ZodType<StepRecord<'research'>>;
export const ArxivRecordSchema = stepRecordSchema(ArxivOutputSchema) satisfies z.ZodType<StepRecord<'arxiv'>>;

/** A research cache value: research, and arXiv when the template wanted it. */
export const CachedResearchSchema = z
  .object({
    // Stored as JSON: an undefined member is simply absent.
    research: ResearchRecordSchema.optional(),
    arxiv: ArxivRecordSchema.optional(),
  })
  .transform(({ research, arxiv }) => ({ research, arxiv })) satisfies z.ZodType<CachedResearch>;
