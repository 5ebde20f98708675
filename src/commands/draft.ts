/**
 * `scribe draft --template FILE --name NAME --interest TEXT [--json]`: one generation in the
 * terminal, through the same pipeline the worker runs. Progress lines go to stderr, the email to
 * stdout. It needs no database: nothing is saved, and no research cache is used.
 */
import fs from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { asScribeError, InvalidRequestError, isRetryable } from '../errors.ts';
import { createConsoleReporter } from '../bots/console.ts';
import { type GenerationRequest, parseGenerationRequest } from '../requests/commit/start.ts';
import { applyPersonalLine, noRecipientSlotNotice, PersonalLineChoiceSchema } from '../requests/personal-line.ts';
import { applyProgressEvent, initialProgress } from '../thread/progress.ts';
import type { ProgressView, ThreadAddress } from '../thread/reporter.ts';
import { resultViewOf } from '../thread/result-view.ts';
import { createPipelineClients } from '../pipeline/clients/index.ts';
import { pipelineClientOptions } from './common.ts';
import { readProfileFile } from './profile-file.ts';
import type { SenderProfile } from '../pipeline/sender.ts';
import { createObserver } from '../pipeline/observe.ts';
import { runPipeline } from '../pipeline/runner.ts';
import { emlOf, handoffOf } from '../thread/handoff.ts';
import { validateIdentityHint } from '../pipeline/identity/hint.ts';
import { createUsageMeter, usageCost } from '../pipeline/usage.ts';

const USAGE =
  'usage: scribe draft --template FILE --name NAME --interest TEXT [--affiliation TEXT] [--orcid ID]\n' +
  '                   [--profile-url URL] [--profile FILE] [--personal-line PLACE] [--fresh] [--json] [--eml FILE]\n' +
  '       scribe draft --template FILE --batch recipients.csv [--profile FILE] [--json] [--out DIR]';

/** `scribe draft --help`. */
export const DRAFT_HELP = `${USAGE}

One email in the terminal, through the same pipeline as the chats: progress on stderr, the email and
its sources on stdout. Needs ANTHROPIC_API_KEY (and EXA_API_KEY for web research); no database.

  --template FILE   the email template (plain text)
  --name NAME       the recipient's name
  --interest TEXT   the recipient's research interest
  --affiliation TEXT  who you mean among namesakes: their institution (optional)
  --orcid ID        their ORCID iD: decisive (optional; the checksum is checked)
  --profile-url URL their profile page (optional; an orcid.org, openalex.org or arxiv.org/a link
                    counts as that id)
  --batch FILE      one email per recipient: "Name | interest" lines, or a CSV with name and
                    interest columns; exit 1 if any failed, 2 for bad lines
  --out DIR         with --batch: each email in a file in DIR instead of on stdout
  --profile FILE    your details for your own placeholders ([Your Name], [Your University]…):
                    JSON or "key: value" lines with name, position, institution, work; filled
                    in as written, never sent to the model; exit 2 for a bad file
  --json            the result as JSON (with "handoff": the Gmail, Outlook and mailto: links)
  --eml FILE        also write the email as an .eml draft (X-Unsent: 1) to FILE, which Outlook,
                    Apple Mail and Thunderbird open as a draft to send
  --personal-line PLACE  a template with no placeholder for the recipient: after-greeting,
                    before-signoff, or none (the template as written, nothing spent)
  --fresh           accepted as on the chats (the terminal always researches afresh)
`;

const NO_KEY =
  'scribe draft: ANTHROPIC_API_KEY is not set, so Scribe cannot ask Claude: set it (in the environment or .env) and run again';

export async function runDraft(config: Config, logger: Logger, args: string[]): Promise<number> {
  let values: {
    template?: string;
    name?: string;
    interest?: string;
    json?: boolean;
    eml?: string;
    fresh?: boolean;
    batch?: string;
    out?: string;
    profile?: string;
    'personal-line'?: string;
    affiliation?: string;
    orcid?: string;
    'profile-url'?: string;
  };
  try {
    ({ values } = parseArgs({
      args,
      options: {
        template: { type: 'string' },
        name: { type: 'string' },
        interest: { type: 'string' },
        json: { type: 'boolean', default: false },
        eml: { type: 'string' },
        // Accepted as on the chats (Fresh research): the terminal never reads a research cache, so
        // every draft researches afresh already.
        fresh: { type: 'boolean', default: false },
        batch: { type: 'string' },
        out: { type: 'string' },
        profile: { type: 'string' },
        'personal-line': { type: 'string' },
        affiliation: { type: 'string' },
        orcid: { type: 'string' },
        'profile-url': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`scribe draft: ${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  // Who is meant, checked before any work: a wrong ORCID checksum is one line, not a failed email.
  const hint = validateIdentityHint({
    affiliation: values.affiliation,
    orcid: values.orcid,
    profileUrl: values['profile-url'],
  });
  if (!hint.ok) {
    process.stderr.write(`scribe draft: ${hint.problems.join(' ')}\n`);
    return 2;
  }
  // Before any work: without the key the first step would fail after starting, with a stack trace.
  if (!config.anthropic.apiKey) {
    process.stderr.write(`${NO_KEY}\n`);
    return 2;
  }
  let sender: SenderProfile | undefined;
  if (values.profile !== undefined) {
    const read = await readProfileFile(values.profile);
    if ('error' in read) {
      process.stderr.write(`scribe draft: ${read.error}\n`);
      return 2;
    }
    sender = read.profile;
  }
  if (values.template && values.batch !== undefined) {
    const { runDraftBatch } = await import('./draft-batch.ts');
    return runDraftBatch(config, logger, {
      template: values.template,
      batch: values.batch,
      json: values.json ?? false,
      out: values.out,
      sender,
    });
  }
  if (!values.template || values.name === undefined || values.interest === undefined) {
    process.stderr.write(`scribe draft: --template, --name and --interest are required\n${USAGE}\n`);
    return 2;
  }
  let template: string;
  try {
    template = await fs.readFile(values.template, 'utf8');
  } catch (err) {
    process.stderr.write(
      `scribe draft: cannot read the template file ${values.template}: ${(err as NodeJS.ErrnoException).code ?? err}\n`,
    );
    return 1;
  }
  const place = PersonalLineChoiceSchema.safeParse(values['personal-line']);
  const notice = noRecipientSlotNotice(template);
  if (notice && !place.success) {
    // Said before any work, as the chats' forms say it (issue 21, item 5).
    process.stderr.write(`scribe draft: ${notice}\n  --personal-line after-greeting | before-signoff | none\n`);
    return 2;
  }
  template = applyPersonalLine(template, place.data);
  let request: GenerationRequest;
  try {
    request = parseGenerationRequest({ template, recipientName: values.name, recipientInterest: values.interest });
  } catch (err) {
    if (err instanceof InvalidRequestError) {
      process.stderr.write(`scribe draft: ${err.message}\n`);
      return 1;
    }
    throw err;
  }

  const clients = createPipelineClients(pipelineClientOptions(config), logger);
  const reporter = createConsoleReporter({ json: values.json ?? false });
  const address: ThreadAddress = {
    generationId: 'draft',
    platform: 'cli',
    teamId: '',
    channelId: null,
    threadId: null,
    progressMessageId: null,
  };
  let view: ProgressView = { ...initialProgress(request.recipientName, 1), status: 'running' };
  const meter = createUsageMeter();
  const started = performance.now();
  try {
    const data = await runPipeline(
      { input: { ...request, sender, identityHint: hint.hint }, steps: {} },
      {
        ...clients,
        models: { fast: config.anthropic.fastModel, writer: config.anthropic.writerModel },
        researchCacheTtlMs: 0,
        pagesDeadlineMs: config.researchPagesDeadlineMs,
        logger,
      },
      {
        observer: createObserver({ meter, prices: config.prices }),
        onProgress: (event) => {
          view = applyProgressEvent(view, event);
          void reporter.progress(address, view);
        },
        freshResearch: values.fresh ?? false,
      },
    );
    const cost = { usd: usageCost(config.prices, meter.snapshot()).usd, seconds: (performance.now() - started) / 1000 };
    await reporter.result(
      address,
      { ...resultViewOf(request.recipientName, 1, data), cost },
      {
        existingMessageIds: [],
        maybePosted: false,
      },
    );
    const shown = reporter.lastResult();
    if (values.eml !== undefined && shown) {
      try {
        await fs.writeFile(values.eml, emlOf(handoffOf(shown)));
      } catch (err) {
        process.stderr.write(
          `scribe draft: cannot write the .eml draft to ${values.eml}: ${(err as NodeJS.ErrnoException).code ?? err}\n`,
        );
        return 1;
      }
      process.stderr.write(`The draft is in ${values.eml}: open it in your mail app to send it.\n`);
    }
    return 0;
  } catch (err) {
    const error = asScribeError(err);
    // Worded by the console reporter, with the terminal's next step (not the chat's 🔁 or /scribe).
    await reporter.failed(address, { message: error.message, retryable: isRetryable(error), tries: 1 });
    return 1;
  } finally {
    await clients.close();
  }
}
