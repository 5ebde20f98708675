/**
 * Step 4: write the email. The writer model fills the template's placeholders from the research
 * and papers; the checks in `checks.ts` verify the result. One retry names the problems; if some
 * remain, the email is delivered as a draft with its problems listed, never silently.
 */
import { z } from 'zod';
import { askStructured } from '../ask.ts';
import { MACHINE_TELLS, MAX_EMAIL_CHARS, checkEmail } from '../checks.ts';
import type { Llm, LlmMessage } from '../ports.ts';
import { DATA_NOT_INSTRUCTIONS, neutralise } from '../sources.ts';
import type { ComposeOutput, Paper, ParsedTemplate, PipelineInput, ResearchOutput, StepResult } from '../types.ts';

export const EmailSchema = z.object({ email: z.string().min(1) });
/** Name of the structured answer (test doubles script by it). */
export const EMAIL_ANSWER = 'email';

export interface ComposeDeps {
  llm: Llm;
  models: { writer: string };
  signal?: AbortSignal | undefined;
}

export interface ComposeInput {
  input: PipelineInput;
  parsed: ParsedTemplate;
  /** Undefined or empty when no web page could be used. */
  research: ResearchOutput | null | undefined;
  papers: readonly Paper[];
}

export const COMPOSE_SYSTEM = `You fill in an email template for someone writing to an academic or author.
Rules:
1. Keep every part of the template that is not a placeholder exactly as written: the same words,
   the same line breaks and blank lines between paragraphs. Change only the placeholders.
2. Replace every placeholder with specific content about the recipient from the research and
   papers given, so the sentence around it reads naturally. Leave a placeholder for the sender's
   own name (such as [Your Name]) as written.
3. Mention only papers and books that appear in the material, with their titles exactly as given.
   Do not invent facts, results, numbers or affiliations. When the material says nothing for a
   placeholder, fill it with a modest, true phrase based on the recipient's stated interest.
4. No citation markers such as [1] in the email.
5. Never use these phrases: ${MACHINE_TELLS.map((t) => `"${t.phrase}"`).join(', ')}.
6. At most ${MAX_EMAIL_CHARS.toLocaleString('en')} characters.
${DATA_NOT_INSTRUCTIONS}
Answer with JSON only: {"email": "..."}.`;

/** The first request's user message: template, placeholders, then the quoted material. */
export function composePrompt({ input, parsed, research, papers }: ComposeInput): string {
  const paperList = papers
    .map(
      (p) =>
        `<paper id="${p.id}" year="${p.year}" title="${neutralise(p.title).replace(/"/g, "'")}">\n${neutralise(p.abstract.slice(0, 1_200))}\n</paper>`,
    )
    .join('\n');
  const sourceList = (research?.sources ?? [])
    .map((s) => `[${s.n}] ${neutralise(s.title)} — ${neutralise(s.url)}`)
    .join('\n');
  const parts = [
    `Recipient: ${input.recipientName}\nTheir research interest: ${input.recipientInterest}`,
    `The template:\n<template>\n${input.template}\n</template>`,
    `Placeholders to fill: ${parsed.placeholders.length > 0 ? parsed.placeholders.join(', ') : '(none: personalise lightly, keeping the text)'}`,
    '<sources>',
    `<research>\n${neutralise(research?.summary || '(no web research available)')}\n</research>`,
    sourceList && `Web sources:\n${sourceList}`,
    `<papers>\n${paperList || '(none)'}\n</papers>`,
    '</sources>',
  ];
  if (input.instruction) parts.push(`The sender also asks: ${input.instruction}`);
  return parts.filter((p) => p !== '').join('\n\n');
}

/** Writes the email; retries once with the checks' problems; a second shortfall becomes a draft. */
export async function composeEmail(compose: ComposeInput, deps: ComposeDeps): Promise<StepResult<ComposeOutput>> {
  const check = (email: string) =>
    checkEmail({
      email,
      template: compose.input.template,
      placeholders: compose.parsed.placeholders,
      papers: compose.papers,
      sourceTitles: (compose.research?.sources ?? []).map((s) => s.title),
      sourceUrls: (compose.research?.sources ?? []).map((s) => s.url),
      researchSummary: compose.research?.summary ?? '',
    });
  const messages: LlmMessage[] = [{ role: 'user', content: composePrompt(compose) }];
  const first = await write(deps, messages);
  const firstProblems = check(first);
  if (firstProblems.length === 0) return { output: { email: first, draft: false, problems: [] }, warnings: [] };

  const second = await write(deps, [
    ...messages,
    { role: 'assistant', content: JSON.stringify({ email: first }) },
    { role: 'user', content: revisionRequest(firstProblems) },
  ]);
  const secondProblems = check(second);
  if (secondProblems.length === 0) return { output: { email: second, draft: false, problems: [] }, warnings: [] };
  const [email, problems] =
    firstProblems.length < secondProblems.length ? [first, firstProblems] : [second, secondProblems];
  return {
    output: { email, draft: true, problems },
    warnings: [
      `The email still has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`} after a second try, so it is marked as a draft.`,
    ],
  };
}

/** The follow-up that names what the checks found. */
export function revisionRequest(problems: readonly string[]): string {
  return `That email has these problems:\n${problems.map((p) => `- ${p}`).join('\n')}\nWrite it again fixing them, following all the rules. Answer with JSON only.`;
}

async function write(deps: ComposeDeps, messages: LlmMessage[]): Promise<string> {
  const { value } = await askStructured(
    deps.llm,
    {
      model: deps.models.writer,
      system: COMPOSE_SYSTEM,
      messages,
      maxTokens: 4_096,
      signal: deps.signal,
      schema: EmailSchema,
      name: EMAIL_ANSWER,
    },
    'email writer',
  );
  return value.email.replace(/\r\n/g, '\n').trim();
}
