/**
 * `scribe draft --template FILE --batch recipients.csv [--json] [--out DIR]`: one email per
 * recipient through the same pipeline, a few at once (WORKER_CONCURRENCY, at least 2), no
 * database. A line per row as it starts and ends on stderr, a summary table at the end; with
 * `--out` each email is written to DIR/NN-name.txt, else printed on stdout (`--json`: one JSON
 * document with every row). Exit code 1 when any row failed, 2 for bad input.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { asScribeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { parseBatchRequest } from '../requests/batch-input.ts';
import type { SenderProfile } from '../pipeline/sender.ts';
import { batchRowLine, countStates, tally, type BatchRowState } from '../thread/batch-view.ts';
import { describeProblems } from '../requests/recipients.ts';
import type { ResultView } from '../thread/reporter.ts';
import { resultViewOf } from '../thread/result-view.ts';
import { createPipelineClients } from '../pipeline/clients/index.ts';
import { pipelineClientOptions } from './common.ts';
import { runPipeline } from '../pipeline/runner.ts';
import type { StepRecord } from '../pipeline/types.ts';
import { createBatchParses } from '../jobs/batch-parse.ts';
import { resultText } from '../bots/text.ts';

interface RowOutcome {
  line: number;
  recipientName: string;
  status: Extract<BatchRowState, 'succeeded' | 'failed'>;
  seconds: number;
  result?: ResultView | undefined;
  error?: string | undefined;
  file?: string | undefined;
}

export async function runDraftBatch(
  config: Config,
  logger: Logger,
  options: {
    template: string;
    batch: string;
    json: boolean;
    out: string | undefined;
    /** `--profile`: the sender slots of every email. */
    sender?: SenderProfile | undefined;
  },
): Promise<number> {
  let template: string;
  let recipients: string;
  try {
    [template, recipients] = await Promise.all([
      fs.readFile(options.template, 'utf8'),
      fs.readFile(options.batch, 'utf8'),
    ]);
  } catch (err) {
    process.stderr.write(
      `scribe draft: cannot read ${(err as NodeJS.ErrnoException).path}: ${(err as NodeJS.ErrnoException).code}\n`,
    );
    return 1;
  }
  const parsed = parseBatchRequest({ template, recipients }, config.batchMax);
  if (!parsed.ok) {
    process.stderr.write(`scribe draft: nothing was started; fix these lines of ${options.batch}:\n`);
    for (const line of describeProblems(parsed.problems)) process.stderr.write(`  ${line}\n`);
    return 2;
  }
  if (options.out) await fs.mkdir(options.out, { recursive: true });
  const clients = createPipelineClients(pipelineClientOptions(config), logger);
  const rows = parsed.request.recipients;
  // One template for every row: it is read once (nothing is saved, so there is no earlier reading to find).
  const batchParses = createBatchParses(async () => undefined);
  const outcomes: RowOutcome[] = new Array(rows.length);
  let next = 0;
  const width = String(rows.length).length;
  const say = (i: number, text: string) =>
    process.stderr.write(`[${String(i + 1).padStart(width)}/${rows.length}] ${text}\n`);

  async function runOne(i: number): Promise<void> {
    const recipient = rows[i]!;
    const input = { template: parsed.ok ? parsed.request.template : '', ...recipient, sender: options.sender };
    const started = Date.now();
    say(i, `✍️ ${recipient.recipientName}`);
    const reading = await batchParses.claim({
      id: String(i),
      batchId: 'terminal',
      template: input.template,
      steps: {},
    });
    try {
      const data = await runPipeline(
        { input, steps: reading.shared ? { parse: reading.shared } : {} },
        {
          ...clients,
          models: { fast: config.anthropic.fastModel, writer: config.anthropic.writerModel },
          researchCacheTtlMs: 0,
          pagesDeadlineMs: config.researchPagesDeadlineMs,
          logger,
        },
        { onStepDone: async (step, record) => void (step === 'parse' && reading.done(record as StepRecord<'parse'>)) },
      );
      const result = resultViewOf(recipient.recipientName, 1, data);
      const seconds = (Date.now() - started) / 1000;
      let file: string | undefined;
      if (options.out) {
        const slug =
          recipient.recipientName
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, '-')
            .replace(/^-|-$/g, '') || 'email';
        file = path.join(options.out, `${String(i + 1).padStart(width, '0')}-${slug}.txt`);
        await fs.writeFile(file, `${resultText(result)}\n`);
      }
      outcomes[i] = {
        line: recipient.line,
        recipientName: recipient.recipientName,
        status: 'succeeded',
        seconds,
        result,
        file,
      };
      say(i, `✅ ${recipient.recipientName} (${seconds.toFixed(1)} s)`);
    } catch (err) {
      const error = asScribeError(err).message;
      const seconds = (Date.now() - started) / 1000;
      outcomes[i] = { line: recipient.line, recipientName: recipient.recipientName, status: 'failed', seconds, error };
      say(i, `❌ ${recipient.recipientName}: ${error}`);
    } finally {
      reading.done(undefined);
    }
  }

  const concurrency = Math.max(2, config.workerConcurrency);
  try {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, rows.length) }, async () => {
        while (next < rows.length) await runOne(next++);
      }),
    );
  } finally {
    await clients.close();
  }

  const counts = countStates(outcomes.map((o) => o.status));
  process.stderr.write(`\n${rows.length} emails: ${tally(counts)}\n`);
  for (const o of outcomes) {
    const row = batchRowLine({ generationId: '', recipientName: o.recipientName, state: o.status, seconds: o.seconds });
    process.stderr.write(`  ${row}${o.file ? ` → ${o.file}` : ''}${o.error ? ` — ${o.error}` : ''}\n`);
  }
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify({ counts: { succeeded: counts.succeeded, failed: counts.failed }, rows: outcomes }, null, 2)}\n`,
    );
  } else if (!options.out) {
    for (const o of outcomes)
      if (o.result) process.stdout.write(`===== ${o.recipientName} =====\n${resultText(o.result)}\n\n`);
  }
  return counts.failed > 0 ? 1 : 0;
}
