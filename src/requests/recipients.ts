/**
 * A batch's recipients, from what people paste or upload: one recipient per line as
 * `Name | research interest`, or tab-separated (rows copied from a spreadsheet), or comma-separated;
 * or a CSV file with a header naming the `name` and `interest` columns in any order, quoted fields
 * allowed (csv-parse does the quoting), and optionally who exactly each is (issue 20): `affiliation`,
 * `orcid`, `author_id`, `profile_url` columns, checked as the forms' field is. Every line that cannot be used is reported with its line
 * number, and a batch with any such line is refused whole: nothing starts until the input is valid.
 * Reading stops after the batch's maximum + 1 rows (csv-parse's `to`): a 256 KB upload is not parsed
 * to its end to say that it holds more than 50.
 */
import { CsvError, parse, type InfoRecord } from 'csv-parse/sync';
import { GenerationRequestSchema } from './commit/start.ts';
import { validateIdentityHint, type RawIdentityHint } from '../pipeline/identity/hint.ts';
import type { IdentityHint } from '../pipeline/types.ts';

/** One recipient, with the line it came from (1-based, as an editor numbers them). */
export interface Recipient {
  line: number;
  recipientName: string;
  recipientInterest: string;
  /** Who exactly (issue 20), from a CSV's optional `affiliation`, `orcid`, `author_id`, `profile_url` columns. */
  identityHint?: IdentityHint | undefined;
}

export interface RecipientProblem {
  /** Undefined for problems of the whole input (empty, too many). */
  line: number | undefined;
  message: string;
}

export type RecipientsResult =
  | { ok: true; recipients: Recipient[] }
  | { ok: false; problems: RecipientProblem[]; recipients: Recipient[] };

export interface ParseRecipientsOptions {
  /** Most recipients in one batch (`SCRIBE_BATCH_MAX`). */
  max: number;
}

/** Problems listed back to the person at most; the rest are counted. */
export const MAX_PROBLEMS_SHOWN = 20;

const NAME_HEADER = /^(recipient[\s_-]*)?(full[\s_-]*)?name$/i;
const INTEREST_HEADER = /^(research[\s_-]*)?(interests?|topics?|field|area)$/i;
/** The optional "who exactly" columns of a CSV with a header (issue 20), by the hint part they give. */
const HINT_HEADERS: Record<keyof RawIdentityHint, RegExp> = {
  affiliation: /^(affiliation|institution|university)$/i,
  orcid: /^orcid([\s_-]*id)?$/i,
  authorId: /^(openalex|arxiv)?[\s_-]*author[\s_-]*id$/i,
  profileUrl: /^(profile|homepage)([\s_-]*(url|link))?$/i,
};
const DELIMITERS = ['|', '\t', ','] as const;
type Delimiter = (typeof DELIMITERS)[number];

/** Parses and validates a batch's recipients; see the module comment for the accepted forms. */
export function parseRecipients(text: string, options: ParseRecipientsOptions): RecipientsResult {
  const source = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  // One row past the maximum is enough to know the batch is too large.
  const limit = options.max + 1;
  const rows = headerRows(source, limit) ?? lineRows(source, limit);
  const problems: RecipientProblem[] = [];
  const recipients: Recipient[] = [];
  const seen = new Map<string, number>();
  for (const row of rows) {
    if ('problem' in row) {
      problems.push({ line: row.line, message: row.problem });
      continue;
    }
    const name = GenerationRequestSchema.shape.recipientName.safeParse(row.name);
    const interest = GenerationRequestSchema.shape.recipientInterest.safeParse(row.interest);
    if (!name.success || !interest.success) {
      const why = [name, interest].flatMap((r) => (r.success ? [] : [r.error.issues[0]?.message ?? 'invalid']));
      problems.push({ line: row.line, message: why.join('; ') });
      continue;
    }
    const hint = row.hint ? validateIdentityHint(row.hint) : undefined;
    if (hint && !hint.ok) {
      problems.push({ line: row.line, message: hint.problems.join(' ') });
      continue;
    }
    const identityHint = hint && Object.keys(hint.hint).length > 0 ? hint.hint : undefined;
    // Two rows of one name and interest are one recipient, unless they say they are different people.
    const key = `${name.data.toLowerCase()}\u0000${interest.data.toLowerCase()}\u0000${JSON.stringify(identityHint ?? {})}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      problems.push({ line: row.line, message: `the same recipient as line ${earlier}` });
      continue;
    }
    seen.set(key, row.line);
    recipients.push({
      line: row.line,
      recipientName: name.data,
      recipientInterest: interest.data,
      ...(identityHint ? { identityHint } : {}),
    });
  }
  if (recipients.length === 0 && problems.length === 0) {
    problems.push({
      line: undefined,
      message: 'No recipients given: write one per line, as `Name | research interest`.',
    });
  }
  if (rows.length > options.max) {
    problems.push({
      line: undefined,
      message: `More than ${options.max} recipients: a batch can have at most ${options.max}; split it into smaller batches.`,
    });
  }
  return problems.length ? { ok: false, problems, recipients } : { ok: true, recipients };
}

type Row =
  | { line: number; name: string; interest: string; hint?: RawIdentityHint | undefined }
  | { line: number; problem: string };

/**
 * Rows of a CSV (or TSV, or pipe-separated) text whose first line names the columns, at most
 * `limit` of them; undefined without such a header.
 */
function headerRows(source: string, limit: number): Row[] | undefined {
  const first = /^.*\S.*$/m.exec(source);
  if (!first) return undefined;
  const header = first[0];
  const firstLine = lineOf(source, first.index) - 1;
  const delimiter = DELIMITERS.find((d) => header.includes(d));
  if (!delimiter) return undefined;
  const cells = splitLine(header, delimiter).map((c) => c.trim());
  const nameAt = cells.findIndex((c) => NAME_HEADER.test(c));
  const interestAt = cells.findIndex((c) => INTEREST_HEADER.test(c));
  if (nameAt < 0 || interestAt < 0) return undefined;
  const hintAt = Object.entries(HINT_HEADERS)
    .map(([part, header]) => [part as keyof RawIdentityHint, cells.findIndex((c) => header.test(c))] as const)
    .filter(([, at]) => at >= 0);

  let records: { record: string[]; info: InfoRecord }[];
  try {
    const options = {
      delimiter,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
      from_line: firstLine + 2,
      to: limit,
      // The text of the record being read, on errors: where an unclosed quote's row starts.
      raw: true,
    };
    // csv-parse's typings do not narrow on `info: true`, which wraps each record as { record, info }.
    records = parse(source, options) as unknown as typeof records;
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    if (err.code === 'CSV_QUOTE_NOT_CLOSED' && typeof err.raw === 'string' && source.endsWith(err.raw)) {
      // The quote is open to the end of the text, so the record's raw text is the text's tail;
      // csv-parse's own `lines` is where it stopped (the end), not where the quote opened.
      const opened = source.length - err.raw.trimStart().length;
      return [{ line: lineOf(source, opened), problem: 'a quote opens in this row and is never closed' }];
    }
    const line = typeof err.lines === 'number' ? err.lines : firstLine + 1;
    return [{ line, problem: `this is not valid CSV (${err.message.split('\n')[0]})` }];
  }
  return records.map(({ record, info }) => {
    // `info.lines` is the line the record ends on; a quoted newline makes it start earlier.
    const line = info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    const name = record[nameAt];
    const interest = record[interestAt];
    if (name === undefined || interest === undefined)
      return { line, problem: `expected a "${cells[nameAt]}" and an "${cells[interestAt]}" value` };
    if (hintAt.length === 0) return { line, name, interest };
    return { line, name, interest, hint: Object.fromEntries(hintAt.map(([part, at]) => [part, record[at]])) };
  });
}

/** The 1-based line of `source` that the character at `index` is on. */
function lineOf(source: string, index: number): number {
  let line = 1;
  for (let at = source.indexOf('\n'); at !== -1 && at < index; at = source.indexOf('\n', at + 1)) line++;
  return line;
}

/**
 * Rows of a text without a header, at most `limit` of them: each line `name <sep> interest`, the
 * separator found per line.
 */
function lineRows(source: string, limit: number): Row[] {
  const rows: Row[] = [];
  let line = 0;
  for (const [raw] of source.matchAll(/^.*$/gm)) {
    line++;
    if (rows.length >= limit) break;
    const text = raw.trim();
    if (text === '' || text.startsWith('#')) continue;
    const delimiter = DELIMITERS.find((d) => text.includes(d));
    if (!delimiter) {
      rows.push({ line, problem: 'expected `Name | research interest` (or a tab or comma between them)' });
      continue;
    }
    const [name = '', ...rest] = splitLine(text, delimiter);
    // An unquoted interest may hold commas itself ("Ada Lovelace, engines, poetry"); a spreadsheet
    // row's further columns (an email address, a note) are not part of the interest.
    const interest = (delimiter === '\t' ? (rest[0] ?? '') : rest.join(delimiter === ',' ? ', ' : ' | ')).trim();
    rows.push({ line, name: name.trim(), interest });
  }
  return rows;
}

/** One line's cells; commas honour CSV quoting, `|` and tabs split plainly. */
function splitLine(line: string, delimiter: Delimiter): string[] {
  if (delimiter !== ',') return line.split(delimiter);
  try {
    const [cells] = parse(line, { relax_quotes: true, relax_column_count: true, trim: true }) as string[][];
    return cells ?? [line];
  } catch {
    return line.split(',');
  }
}

/** "line 3: …" lines for the person, at most MAX_PROBLEMS_SHOWN of them. */
export function describeProblems(problems: readonly RecipientProblem[]): string[] {
  const lines = problems
    .slice(0, MAX_PROBLEMS_SHOWN)
    .map((p) => (p.line === undefined ? p.message : `Line ${p.line}: ${p.message}`));
  if (problems.length > MAX_PROBLEMS_SHOWN) lines.push(`…and ${problems.length - MAX_PROBLEMS_SHOWN} more`);
  return lines;
}
