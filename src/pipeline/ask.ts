/**
 * "Ask for structured output, with one corrective retry": an answer that fails its schema is sent
 * back once with the validation error; a second invalid answer fails the step for good.
 */
import type { z } from 'zod';
import { InvalidAnswerError } from '../errors.ts';
import type { Llm, LlmRequest, LlmUsage } from './ports.ts';
import { addUsage } from './prices.ts';

export interface AskResult<T> {
  value: T;
  /** Both answers' tokens when the first was invalid: Anthropic bills each call. */
  usage: LlmUsage;
  /** True when the first answer was invalid and the corrected one was used. */
  corrected: boolean;
}

/** The follow-up message that names what was wrong with the previous answer. */
export function correctionMessage(issues: string): string {
  return (
    'Your previous answer could not be used because it does not match the required JSON shape:\n' +
    `${issues}\n` +
    'Answer again with only the corrected JSON object, nothing else.'
  );
}

/**
 * `llm.structured` with one corrective retry. `what` names the asker in the final error, e.g.
 * "template parser" → "The template parser returned an answer we could not use twice: …".
 * Other errors (transient or permanent) pass through unchanged, among them an answer that did not
 * finish (cut off at max_tokens, refused, paused: see `stopReasonError` in clients/anthropic.ts),
 * which the same request, corrected or not, would not finish either.
 */
export async function askStructured<T>(
  llm: Llm,
  request: LlmRequest & { schema: z.ZodType<T>; name: string },
  what: string,
): Promise<AskResult<T>> {
  let first: InvalidAnswerError;
  try {
    const answer = await llm.structured(request);
    return { ...answer, corrected: false };
  } catch (err) {
    if (!(err instanceof InvalidAnswerError)) throw err;
    first = err;
  }
  const messages = [
    ...request.messages,
    { role: 'assistant' as const, content: first.raw === '' ? '(empty answer)' : first.raw },
    { role: 'user' as const, content: correctionMessage(first.issues) },
  ];
  try {
    // The corrected answer is not streamed: what was shown of the first stays, the result replaces it.
    const { onText: _shown, ...again } = request;
    const answer = await llm.structured({ ...again, messages });
    return { ...answer, usage: first.usage ? addUsage(first.usage, answer.usage) : answer.usage, corrected: true };
  } catch (err) {
    if (!(err instanceof InvalidAnswerError)) throw err;
    throw new InvalidAnswerError(`The ${what} returned an answer we could not use twice: ${err.issues}`, {
      raw: err.raw,
      issues: err.issues,
      service: err.service ?? 'Anthropic',
      cause: err,
      usage: err.usage,
    });
  }
}
