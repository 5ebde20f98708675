/**
 * The follow-up draft (issue 22, item 4): a short, polite nudge about the first email, in the
 * template's language, from the email as it was sent. One call to the fast model (a rewrite of
 * text it is given, no research and no facts to cite: the writer model would cost ~4× for nothing
 * the check below does not already hold), validated with zod, with one corrective retry.
 */
import { z } from 'zod';
import { askStructured } from './ask.ts';
import type { Llm, LlmUsage } from './ports.ts';

/** The "under ~100 words", with a little room; a longer answer is sent back once. */
export const FOLLOW_UP_MAX_WORDS = 110;

const wordsOf = (text: string) =>
  // CJK text has no spaces: count its characters as words at a rough 2 : 1.
  (text.match(/[\p{L}\p{N}'’-]+/gu) ?? []).reduce(
    (n, w) =>
      n +
      (/\p{Script=Han}|\p{Script=Hiragana}|\p{Script=Katakana}|\p{Script=Hangul}/u.test(w)
        ? Math.ceil(w.length / 2)
        : 1),
    0,
  );

export const FollowUpSchema = z.object({
  body: z
    .string()
    .trim()
    .min(20)
    .max(1_200)
    .refine((b) => wordsOf(b) <= FOLLOW_UP_MAX_WORDS, { message: `at most ${FOLLOW_UP_MAX_WORDS} words` }),
});

export interface FollowUpInput {
  recipientName: string;
  /** The email as it was sent (the version marked sent). */
  email: string;
  subject?: string | undefined;
  /** The template's language code ("en", "de", "zh"); the follow-up is written in it. */
  language: string;
  /** When it was sent, as the person said (*Mark as sent*). */
  sentAt: Date;
}

export const FOLLOW_UP_SYSTEM =
  'You write short follow-up emails for a person who emailed a researcher and has had no answer. ' +
  'Write a polite, brief follow-up (under 100 words) in the language you are told, that refers to the first email ' +
  '(its date and its point, in a few words), adds no new claims about the recipient, and ends with the same sign-off ' +
  'name as the first email. No subject line, no placeholders. Answer with JSON only.';

/** Drafts the follow-up; answers its body and the call's usage (both calls' when corrected). */
export async function draftFollowUp(
  llm: Llm,
  model: string,
  input: FollowUpInput,
  signal?: AbortSignal,
): Promise<{ body: string; usage: LlmUsage }> {
  const content =
    `Recipient: ${input.recipientName}\n` +
    `Language: ${input.language}\n` +
    `First email sent on: ${input.sentAt.toISOString().slice(0, 10)}\n` +
    (input.subject ? `Its subject: ${input.subject}\n` : '') +
    `<<<FIRST_EMAIL\n${input.email}\nFIRST_EMAIL>>>\n` +
    'Write the follow-up.';
  const { value, usage } = await askStructured(
    llm,
    {
      model,
      system: FOLLOW_UP_SYSTEM,
      messages: [{ role: 'user', content }],
      maxTokens: 600,
      schema: FollowUpSchema,
      name: 'follow_up',
      signal,
    },
    'follow-up writer',
  );
  return { body: value.body, usage };
}
