/**
 * Step 1: read the template. The fast model says what kind of email it is and what to search
 * for; placeholders are found both in code and by the model, and only those actually written in
 * the template are kept.
 */
import { z } from 'zod';
import { askStructured } from '../ask.ts';
import { findPlaceholders } from '../checks.ts';
import type { Llm } from '../ports.ts';
import { TEMPLATE_TYPES, type ParsedTemplate, type PipelineInput, type StepResult } from '../types.ts';

/** The model's answer. */
export const ParsedTemplateSchema = z.object({
  templateType: z.enum(TEMPLATE_TYPES),
  searchTerms: z.array(z.string().trim().min(1).max(120)).min(1).max(5),
  placeholders: z.array(z.string()).max(50),
});

/** Name of the structured answer (tool / schema name, and the key test doubles script by). */
export const PARSE_ANSWER = 'parsed_template';

export interface ParseDeps {
  llm: Llm;
  models: { fast: string };
  signal?: AbortSignal | undefined;
}

const SYSTEM = `You read email templates that someone will send to an academic or author.
Classify the template:
- RESEARCH: about the recipient's research or papers (e.g. asking to join a lab, discussing a paper);
- BOOK: about a book the recipient wrote;
- GENERAL: anything else (an invitation, a talk, a general introduction).
Give 1 to 5 short web search terms that would find what the placeholders need, based on the
recipient's interest. List every placeholder exactly as written in the template: text the sender
expects to be filled in, such as {{topic}}, [their recent paper] or <Professor Name>.
Answer with JSON only: {"templateType": ..., "searchTerms": [...], "placeholders": [...]}.`;

/** Classifies the template and lists its placeholders and search terms. */
export async function parseTemplate(input: PipelineInput, deps: ParseDeps): Promise<StepResult<ParsedTemplate>> {
  const user =
    `Recipient: ${input.recipientName}\nRecipient's research interest: ${input.recipientInterest}\n\n` +
    `The template, between the markers:\n<<<TEMPLATE\n${input.template}\nTEMPLATE>>>`;
  const { value } = await askStructured(
    deps.llm,
    {
      model: deps.models.fast,
      system: SYSTEM,
      messages: [{ role: 'user', content: user }],
      maxTokens: 1_024,
      signal: deps.signal,
      schema: ParsedTemplateSchema,
      name: PARSE_ANSWER,
    },
    'template parser',
  );
  const placeholders = mergePlaceholders(input.template, value.placeholders);
  const warnings =
    placeholders.length === 0
      ? ['The template has no placeholders ({{…}} or […]): the email will be the template, lightly personalised.']
      : [];
  return {
    output: { templateType: value.templateType, searchTerms: unique(value.searchTerms), placeholders },
    warnings,
  };
}

/**
 * The placeholders found in code plus those the model named, keeping only text that is really in
 * the template (the model sometimes tidies a placeholder up), in order of appearance. Where the
 * model's pick overlaps one found in code ("name" or "Dear [Name]," for "[Name]"), the code's wins.
 */
export function mergePlaceholders(template: string, fromModel: readonly string[]): string[] {
  const found = findPlaceholders(template);
  const picks = fromModel
    .map((p) => p.trim())
    .filter((p) => p !== '' && p.length <= 80 && template.includes(p))
    .filter((p) => !found.some((f) => f.includes(p) || p.includes(f)));
  return [...new Set([...found, ...picks])].sort((a, b) => template.indexOf(a) - template.indexOf(b));
}

function unique(items: readonly string[]): string[] {
  const seen = new Set<string>();
  return items.filter((i) => !seen.has(i.toLowerCase()) && seen.add(i.toLowerCase()));
}
