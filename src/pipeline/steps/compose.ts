/**
 * Step 4: write the fills. The writer model returns `{subject, fills: [{slot, text, sources}]}`
 * for the template's recipient and personal slots, and code assembles the email (`assemble.ts`):
 * the template's fixed text is kept byte for byte and the sender's slots stay as written. The
 * checks (`fill-checks.ts`, and links and phrases from `checks.ts`) verify the fills; one retry
 * names the problems; if some remain, the email is delivered as a draft with its problems listed.
 */
import { z } from 'zod';
import { askStructured } from '../ask.ts';
import { assembleEmail, assembleSubject, type Citable, emailSoFar, numberSources, slotsToFill } from '../assemble.ts';
import { MACHINE_TELLS, linkProblems, tellProblems } from '../checks.ts';
import { FILL_BUDGET, MAX_ADDED_CHARS, MAX_SUBJECT_CHARS, checkFills } from '../fill-checks.ts';
import type { Llm, LlmMessage } from '../ports.ts';
import { fillSenderSlots } from '../sender.ts';
import { DATA_NOT_INSTRUCTIONS, neutralise } from '../sources.ts';
import type {
  ComposeOutput,
  Fill,
  Paper,
  ParsedTemplate,
  PipelineInput,
  ResearchOutput,
  StepResult,
} from '../types.ts';

/** The writer's answer (the names are a contract: docs/design.md §10). */
export const FillsSchema = z.object({
  subject: z.string(),
  fills: z
    .array(z.object({ slot: z.string(), text: z.string(), sources: z.array(z.number().int().positive()).max(10) }))
    .max(50),
});
export type FillsAnswer = z.infer<typeof FillsSchema>;
/** Name of the structured answer (test doubles and the fake script by it). */
export const EMAIL_ANSWER = 'email';

export interface ComposeDeps {
  llm: Llm;
  models: { writer: string };
  signal?: AbortSignal | undefined;
  /**
   * Called with the email as far as the writer has written it (sender's slots filled as in the
   * result), each time a fill closes in its streamed answer: the first answer only. The result
   * stays the truth: a corrected or retried answer is not streamed.
   */
  onEmailText?: ((emailSoFar: string) => void) | undefined;
}

export interface ComposeInput {
  input: PipelineInput;
  parsed: ParsedTemplate;
  /** Undefined or empty when no web page could be used. */
  research: ResearchOutput | null | undefined;
  papers: readonly Paper[];
}

// Stable across every email: with the template after it, the prefix the API caches.
export const COMPOSE_SYSTEM = `You write the personal parts of an email template for someone writing to an academic or author.
You do not write the email: code puts each text you write in place of its slot, and keeps every other
character of the template as written. Answer only for the slots listed as yours to fill.

Rules:
1. Each text must read naturally where its slot stands in the template: a slot inside a sentence
   gets a phrase that continues that sentence (no capital letter unless the sentence starts there,
   no full stop unless the slot ends the sentence); a "personal" slot gets one or two sentences.
   A recipient slot gets at most ${FILL_BUDGET.recipient.sentences} sentence and ${FILL_BUDGET.recipient.chars} characters; a personal slot at most
   ${FILL_BUDGET.personal.sentences} sentences and ${FILL_BUDGET.personal.chars} characters; all texts together at most ${MAX_ADDED_CHARS} characters.
2. Write in the template's language (given as a code), whatever the language of the material.
3. Every text stands on the numbered material: give in "sources" the numbers of the web sources
   or papers it comes from. Only a text that is just the recipient's name, or just their stated
   interest, may have no number.
4. Mention only papers and books that appear in the material, with their titles exactly as given
   and their years and venues as given. Do not invent facts, results, numbers, venues, awards or
   affiliations. When the material says nothing useful for a slot, write a modest, true phrase
   based on the recipient's stated interest.
5. Never fill the sender's own slots (their name, university, position): they are not listed as
   yours, and the sender fills them.
6. No citation markers such as [1] in the texts, no links, no placeholders.
7. Never use these phrases: ${MACHINE_TELLS.map((t) => `"${t.phrase}"`).join(', ')}.
8. "subject": when the template has no subject line, a subject of at most ${MAX_SUBJECT_CHARS} characters in
   the template's language, specific to the recipient; when it has one, an empty string.
${DATA_NOT_INSTRUCTIONS}

Example. Template: "Dear Dr. {{last_name}},\n\nI read your work on [their topic] and would like to
ask about [their recent paper].\n\nBest,\n[Your Name]". Language: en. Material: [1] a lab page
saying she studies loops in punched-card programs; [2] the paper "Bernoulli numbers on a mechanical
engine" (2022). Answer:
{"subject": "Your Bernoulli numbers paper", "fills": [
 {"slot": "{{last_name}}", "text": "Lovelace", "sources": []},
 {"slot": "[their topic]", "text": "loops in punched-card programs", "sources": [1]},
 {"slot": "[their recent paper]", "text": "your 2022 paper “Bernoulli numbers on a mechanical engine”", "sources": [2]}]}
[Your Name] is the sender's: it is not filled, and stays in the email as written.

Answer with JSON only: {"subject": "...", "fills": [{"slot": "...", "text": "...", "sources": [n]}]}.`;

const OWNER_NOTE = {
  recipient: 'a short phrase about the recipient',
  personal: 'a personal line: one or two sentences',
} as const;

/**
 * The part of the first request that depends only on the template: the same for every recipient of
 * a batch and for the corrective retry, so it follows the system prompt and is cached with it.
 */
export function templatePart(parsed: ParsedTemplate, template: string): string {
  const own = slotsToFill(parsed.slots)
    .map((s) => `- ${s.placeholder} (${OWNER_NOTE[s.owner === 'personal' ? 'personal' : 'recipient']})`)
    .join('\n');
  const sender = parsed.slots.filter((s) => s.owner === 'sender').map((s) => s.placeholder);
  return [
    `The template:\n<template>\n${template}\n</template>`,
    `Slots for you to fill:\n${own}`,
    sender.length > 0 ? `The sender's own slots, left as written (do not fill): ${sender.join(', ')}` : '',
    `The template's language: ${parsed.language}`,
    parsed.subject
      ? 'The template has its own subject line: answer "subject" with an empty string.'
      : `The template has no subject line: write one (at most ${MAX_SUBJECT_CHARS} characters).`,
  ]
    .filter((p) => p !== '')
    .join('\n\n');
}

/** The first request's user message: the template part, then the recipient and the quoted, numbered material. */
export function composePrompt({ input, parsed, research, papers }: ComposeInput): {
  content: string;
  stableChars: number;
} {
  const citables = numberSources(research?.sources ?? [], papers);
  const paperList = citables
    .flatMap((c) => (c.kind === 'paper' ? [c] : []))
    .map(
      (c) =>
        `<paper id="${c.paper.id}" n="${c.n}" year="${c.year}"${c.paper.venue ? ` venue="${neutralise(c.paper.venue).replace(/"/g, "'")}"` : ''} title="${neutralise(c.title).replace(/"/g, "'")}">\n${neutralise(c.paper.abstract.slice(0, 1_200))}\n</paper>`,
    )
    .join('\n');
  const sourceList = citables
    .flatMap((c) => (c.kind === 'web' ? [c] : []))
    .map((s) => `[${s.n}] ${neutralise(s.title)} — ${neutralise(s.url)}`)
    .join('\n');
  const stable = `${templatePart(parsed, input.template)}\n\n`;
  const parts = [
    `Recipient: ${input.recipientName}\nTheir research interest: ${input.recipientInterest}`,
    '<sources>',
    `<research>\n${neutralise(research?.summary || '(no web research available)')}\n</research>`,
    sourceList && `Web sources:\n${sourceList}`,
    `<papers>\n${paperList || '(none)'}\n</papers>`,
    '</sources>',
  ];
  if (input.instruction) parts.push(`The sender also asks: ${input.instruction}`);
  return { content: stable + parts.filter((p) => p !== '').join('\n\n'), stableChars: stable.length };
}

/** An answer assembled: the email, its subject, and what the checks find in it. */
interface Attempt {
  answer: FillsAnswer;
  output: ComposeOutput;
}

/**
 * Writes the fills and assembles the email; retries once with the checks' problems; a second
 * shortfall becomes a draft. Then, in code, the sender's slots are filled from their profile.
 */
export async function composeEmail(compose: ComposeInput, deps: ComposeDeps): Promise<StepResult<ComposeOutput>> {
  const { output, warnings } = await composeFills(compose, deps);
  return { output: withSender(output, compose), warnings };
}

/**
 * The sender's slots in the email and the subject replaced from the profile — after the model's
 * answer and its checks, so no prompt or answer carries them — and those left for the person.
 */
function withSender(output: ComposeOutput, { input, parsed }: ComposeInput): ComposeOutput {
  const email = fillSenderSlots(output.email, parsed.slots, input.sender);
  const subject =
    output.subject === undefined ? undefined : fillSenderSlots(output.subject, parsed.slots, input.sender);
  return { ...output, email: email.text, subject: subject?.text, senderLeft: email.left };
}

async function composeFills(compose: ComposeInput, deps: ComposeDeps): Promise<StepResult<ComposeOutput>> {
  const { input, parsed } = compose;
  if (!parsed.hasRecipientSlot) {
    return {
      output: { email: input.template, subject: parsed.subject?.text, fills: [], draft: false, problems: [] },
      warnings: ['The template has no placeholder for the recipient, so it is returned as written: nothing was added.'],
    };
  }
  const citables = numberSources(compose.research?.sources ?? [], compose.papers);
  const attempt = (answer: FillsAnswer): Attempt => assemble(compose, citables, answer);
  const messages: LlmMessage[] = [{ role: 'user', ...composePrompt(compose) }];
  const first = attempt(await write(deps, messages, deps.onEmailText && streamEmail(compose, deps.onEmailText)));
  if (first.output.problems.length === 0) return { output: first.output, warnings: [] };

  const second = attempt(
    await write(deps, [
      ...messages,
      { role: 'assistant', content: JSON.stringify(first.answer) },
      { role: 'user', content: revisionRequest(first.output.problems) },
    ]),
  );
  if (second.output.problems.length === 0) return { output: second.output, warnings: [] };
  const best = first.output.problems.length < second.output.problems.length ? first : second;
  const { problems } = best.output;
  return {
    output: { ...best.output, draft: true },
    warnings: [
      `The email still has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} after a second try, so it is marked as a draft.`,
    ],
  };
}

/** The email from an answer, and everything the checks find in it. */
function assemble(compose: ComposeInput, citables: readonly Citable[], answer: FillsAnswer): Attempt {
  const { input, parsed, research } = compose;
  const fillable = new Set(slotsToFill(parsed.slots).map((s) => s.placeholder));
  // A fill for anything but a recipient or personal slot (the sender's, one that is not in the template) is dropped.
  const fills: Fill[] = answer.fills
    .filter((f) => fillable.has(f.slot))
    .map((f) => ({ slot: f.slot, text: f.text.replace(/\r\n?/g, '\n').trim(), sources: [...new Set(f.sources)] }));
  const email = assembleEmail(input.template, parsed, fills);
  const subject = assembleSubject(parsed, fills, answer.subject);
  const problems = [
    ...checkFills({
      fills,
      slots: parsed.slots,
      template: input.template,
      email,
      language: parsed.language,
      recipientName: input.recipientName,
      recipientInterest: input.recipientInterest,
      citables,
      researchSummary: research?.summary ?? '',
      writtenSubject: parsed.subject ? undefined : subject,
    }),
    ...linkProblems(
      fills.map((f) => f.text).join('\n'),
      input.template,
      citables.map((c) => c.url),
    ),
    ...tellProblems(fills.map((f) => f.text).join('\n'), input.template),
  ];
  return { answer, output: { email, subject, fills, draft: false, problems } };
}

/** The follow-up that names what the checks found. */
export function revisionRequest(problems: readonly string[]): string {
  return `Those texts have these problems:\n${problems.map((p) => `- ${p}`).join('\n')}\nWrite them again fixing these, following all the rules, for the same slots. Answer with JSON only.`;
}

const FillSchema = FillsSchema.shape.fills.element;

/**
 * The fills whose objects have closed in a partial answer (`{"subject": …, "fills": [{…}, {…`), in
 * order, each valid on its own; the one being written and anything after it are left out.
 */
export function closedFills(partial: string): FillsAnswer['fills'] {
  const fills: FillsAnswer['fills'] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  let stringStart = -1;
  let lastString = '';
  /** The depth inside the top-level "fills" array, when in it. */
  let fillsDepth = -1;
  let objectStart = -1;
  for (let i = 0; i < partial.length; i++) {
    const c = partial[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') {
        inString = false;
        lastString = partial.slice(stringStart, i + 1);
      }
      continue;
    }
    if (c === '"') {
      inString = true;
      stringStart = i;
    } else if (c === '{' || c === '[') {
      if (c === '[' && depth === 1 && lastString === '"fills"') fillsDepth = depth + 1;
      depth++;
      if (c === '{' && fillsDepth > 0 && depth === fillsDepth + 1) objectStart = i;
    } else if (c === '}' || c === ']') {
      if (c === '}' && objectStart >= 0 && depth === fillsDepth + 1) {
        try {
          const fill = FillSchema.safeParse(JSON.parse(partial.slice(objectStart, i + 1)));
          if (fill.success) fills.push(fill.data);
        } catch {
          // Not JSON after all: the finished answer's checks will say so.
        }
        objectStart = -1;
      }
      depth--;
      if (depth < fillsDepth) fillsDepth = -1;
    }
  }
  return fills;
}

/** A listener for the writer's streamed answer that passes on the email each time it grows. */
function streamEmail(compose: ComposeInput, onEmailText: (text: string) => void): (answerSoFar: string) => void {
  const { input, parsed } = compose;
  const fillable = new Set(slotsToFill(parsed.slots).map((s) => s.placeholder));
  let shown = '';
  let closed = -1;
  return (answerSoFar) => {
    const fills = closedFills(answerSoFar).filter((f) => fillable.has(f.slot));
    if (fills.length === closed) return;
    closed = fills.length;
    const text = fillSenderSlots(emailSoFar(input.template, parsed, fills), parsed.slots, input.sender).text;
    if (text === shown || text === '') return;
    shown = text;
    onEmailText(text);
  };
}

async function write(
  deps: ComposeDeps,
  messages: LlmMessage[],
  onText?: ((answerSoFar: string) => void) | undefined,
): Promise<FillsAnswer> {
  const { value } = await askStructured(
    deps.llm,
    {
      model: deps.models.writer,
      system: COMPOSE_SYSTEM,
      messages,
      maxTokens: 2_048,
      signal: deps.signal,
      ...(onText ? { onText } : {}),
      schema: FillsSchema,
      name: EMAIL_ANSWER,
    },
    'email writer',
  );
  return value;
}
