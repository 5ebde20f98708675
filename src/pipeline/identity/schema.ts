/**
 * The identity record read back from storage (`generations.steps.identity`), tied to the types
 * with `satisfies` like the other step records (src/pipeline/records.ts).
 */
import { z } from 'zod';
import type {
  IdentityCandidate,
  IdentityHeld,
  IdentityHint,
  IdentityOutput,
  Paper,
  ScholarAuthor,
  ScholarWork,
} from '../types.ts';

const InstitutionSchema = z.object({ name: z.string(), countryCode: z.string().optional() });

export const ScholarAuthorSchema = z.object({
  id: z.string(),
  name: z.string(),
  alternativeNames: z.array(z.string()),
  orcid: z.string().optional(),
  worksCount: z.number(),
  citedByCount: z.number(),
  institutions: z.array(InstitutionSchema),
  affiliations: z.array(z.object({ institution: InstitutionSchema, years: z.array(z.number()) })),
  topics: z.array(z.object({ name: z.string(), subfield: z.string().optional(), field: z.string().optional() })),
}) satisfies z.ZodType<ScholarAuthor>;

export const ScholarWorkSchema = z.object({
  id: z.string(),
  title: z.string(),
  year: z.number().int().optional(),
  doi: z.string().optional(),
  arxivId: z.string().optional(),
  venue: z.string().optional(),
  url: z.string().optional(),
  authors: z.array(z.string()),
  authorInstitutions: z.array(z.string()),
}) satisfies z.ZodType<ScholarWork>;

export const IdentityHintSchema = z.object({
  affiliation: z.string().optional(),
  orcid: z.string().optional(),
  openalexId: z.string().optional(),
  arxivAuthorId: z.string().optional(),
  profileUrl: z.string().optional(),
}) satisfies z.ZodType<IdentityHint>;

export const IdentityCandidateSchema = z.object({
  author: ScholarAuthorSchema,
  score: z.number(),
  evidence: z.array(
    z.object({
      kind: z.enum(['hint', 'orcid', 'institution', 'topic', 'activity']),
      detail: z.string(),
      points: z.number(),
    }),
  ),
  works: z.array(ScholarWorkSchema),
  merged: z.boolean(),
  confirmedInstitutions: z.array(z.string()),
}) satisfies z.ZodType<IdentityCandidate>;

const PaperSchema = z.object({
  id: z.string(),
  title: z.string(),
  authors: z.array(z.string()),
  year: z.number(),
  abstract: z.string(),
  url: z.string(),
  categories: z.array(z.string()),
}) satisfies z.ZodType<Paper>;

export const IdentityHeldSchema = z.object({
  pages: z.array(z.object({ url: z.string(), title: z.string(), text: z.string() })),
  warnings: z.array(z.string()),
  papers: z.array(PaperSchema).optional(),
}) satisfies z.ZodType<IdentityHeld>;

export const IdentityOutputSchema = z
  .object({
    decision: z.enum(['confident', 'ambiguous', 'none-found', 'no-source']),
    basis: z.enum(['hint', 'scores', 'choice', 'directory']),
    chosenId: z.string().optional(),
    candidates: z.array(IdentityCandidateSchema).max(4),
    note: z.string().optional(),
    hint: IdentityHintSchema,
    held: IdentityHeldSchema.optional(),
  })
  .refine((o) => o.decision !== 'confident' || o.candidates.some((c) => c.author.id === o.chosenId), {
    message: 'a confident identity names one of its candidates',
  }) satisfies z.ZodType<IdentityOutput>;
