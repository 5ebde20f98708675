/**
 * A batch's input, validated before anything is posted or written: the template as for one email,
 * then every recipient line (recipients.ts), with every problem reported at once. The chat flows,
 * `createBatch` and `scribe draft --batch` all start here.
 */
import { GenerationRequestSchema } from './commit/start.ts';
import { parseRecipients, type Recipient, type RecipientProblem } from './recipients.ts';

/** A batch as asked for: the template and the recipients' text (pasted lines or a CSV file). */
export interface BatchRequest {
  template: string;
  recipients: Recipient[];
}

export type ParsedBatch =
  | { ok: true; request: BatchRequest }
  | { ok: false; template: string | undefined; problems: RecipientProblem[] };

/** Validates a batch: the template as for one email, then every recipient line (all problems at once). */
export function parseBatchRequest(input: { template: unknown; recipients: string }, max: number): ParsedBatch {
  const template = GenerationRequestSchema.shape.template.safeParse(input.template);
  const parsed = parseRecipients(input.recipients, { max });
  const problems = parsed.ok ? [] : [...parsed.problems];
  if (!template.success)
    problems.unshift({ line: undefined, message: template.error.issues[0]?.message ?? 'The template is invalid' });
  if (problems.length || !template.success)
    return { ok: false, template: template.success ? template.data : undefined, problems };
  return { ok: true, request: { template: template.data, recipients: parsed.recipients } };
}
