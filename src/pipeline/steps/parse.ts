/**
 * Step 1: read the template. The fast model says what kind of email it is, what to search for,
 * the template's language, and who fills each placeholder (the recipient's research, a personal
 * line, or the sender). Placeholders are found both in code and by the model, and only those
 * actually written in the template are kept; the subject line is found in code.
 */
import { z } from 'zod';
import { askStructured } from '../ask.ts';
import { findPlaceholders } from '../checks.ts';
import type { Llm } from '../ports.ts';
import { classifySlots, findSubject, hasRecipientSlot, slotsInCode } from '../template.ts';
import {
  SLOT_OWNERS,
  TEMPLATE_TYPES,
  type ParsedTemplate,
  type PipelineInput,
  type Slot,
  type SlotOwner,
  type StepResult,
} from '../types.ts';

/** The model's answer. */
export const ParsedTemplateSchema = z.object({
  templateType: z.enum(TEMPLATE_TYPES),
  searchTerms: z.array(z.string().trim().min(1).max(120)).min(1).max(5),
  placeholders: z.array(z.object({ text: z.string(), owner: z.enum(SLOT_OWNERS) })).max(50),
  language: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$/, 'a BCP-47 language code such as "en", "de" or "zh-Hans"'),
});

/** Name of the structured answer (tool / schema name, and the key test doubles script by). */
export const PARSE_ANSWER = 'parsed_template';

export interface ParseDeps {
  llm: Llm;
  models: { fast: string };
  signal?: AbortSignal | undefined;
}

export const PARSE_SYSTEM = `You read email templates that someone will send to an academic or author.
Classify the template:
- RESEARCH: about the recipient's research or papers (e.g. asking to join a lab, discussing a paper);
- BOOK: about a book the recipient wrote;
- GENERAL: anything else (an invitation, a talk, a general introduction).
Give 1 to 5 short web search terms that would find what the placeholders need, based on the
recipient's interest.
List every placeholder exactly as written in the template: text the sender expects to be filled
in, such as {{topic}}, [their recent paper], <Professor Name>, [Ihr Name] or 【研究方向】. Say who
fills each one:
- "recipient": a short phrase about the recipient that web research or their papers can give
  (their name, topic, a paper, their lab);
- "personal": a free line of one or two sentences about the recipient ([personal note], {{opening}});
- "sender": a detail of the person sending the email, which no research about the recipient can
  give ([Your Name], [Your University], [Ihr Name], {my_program}, [您的姓名]). In a template,
  "your" usually means the sender; "your research" or "your paper" means the recipient's.
Give the template's language as a BCP-47 code ("en", "de", "fr", "zh", "ja").
Answer with JSON only: {"templateType": ..., "searchTerms": [...], "placeholders": [{"text": ..., "owner": ...}], "language": ...}.`;

/** The user message: the template first (the same for every recipient of a batch, so it can be cached), then the recipient. */
export function parsePrompt(input: PipelineInput): { content: string; stableChars: number } {
  const template = `The template, between the markers:\n<<<TEMPLATE\n${input.template}\nTEMPLATE>>>\n\n`;
  const recipient = `Recipient: ${input.recipientName}\nRecipient's research interest: ${input.recipientInterest}`;
  return { content: template + recipient, stableChars: template.length };
}

/** Classifies the template and lists its placeholders (with who fills them), language, subject and search terms. */
export async function parseTemplate(input: PipelineInput, deps: ParseDeps): Promise<StepResult<ParsedTemplate>> {
  const inCode = slotsInCode(input.template);
  // Nothing for research to fill (issue 21, item 5): no model call, and nothing is spent after it.
  if (!hasRecipientSlot(inCode))
    return { output: readInCode(input.template, inCode), warnings: [noSlotWarning(inCode)] };
  const { value } = await askStructured(
    deps.llm,
    {
      model: deps.models.fast,
      system: PARSE_SYSTEM,
      messages: [{ role: 'user', ...parsePrompt(input) }],
      maxTokens: 1_024,
      signal: deps.signal,
      schema: ParsedTemplateSchema,
      name: PARSE_ANSWER,
    },
    'template parser',
  );
  const placeholders = mergePlaceholders(
    input.template,
    value.placeholders.map((p) => p.text),
  );
  const owners = new Map<string, SlotOwner>(value.placeholders.map((p) => [p.text.trim(), p.owner]));
  const slots = classifySlots(placeholders, owners);
  const recipient = hasRecipientSlot(slots);
  const warnings = recipient ? [] : [noSlotWarning(slots)];
  const output: ParsedTemplate = {
    templateType: value.templateType,
    searchTerms: unique(value.searchTerms),
    placeholders,
    slots,
    hasRecipientSlot: recipient,
    language: value.language.replace(/_/g, '-'),
  };
  const subject = findSubject(input.template);
  if (subject) output.subject = subject;
  return { output, warnings };
}

function noSlotWarning(slots: readonly Slot[]): string {
  return slots.length === 0
    ? 'The template has no placeholders ({{…}} or […]): the email will be the template as written.'
    : 'The template has placeholders only for your own details: the email will be the template as written, for you to fill in.';
}

/** A template with nothing for research to fill, read in code: no search terms, no language asked of a model. */
function readInCode(template: string, slots: Slot[]): ParsedTemplate {
  const output: ParsedTemplate = {
    templateType: 'GENERAL',
    searchTerms: [],
    placeholders: slots.map((s) => s.placeholder),
    slots,
    hasRecipientSlot: false,
    // BCP 47's "undetermined": no fill is written, so no language is needed.
    language: 'und',
  };
  const subject = findSubject(template);
  if (subject) output.subject = subject;
  return output;
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
