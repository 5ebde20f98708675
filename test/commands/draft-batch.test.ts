/** `scribe draft --batch` as a person runs it in a terminal, against the local fakes. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PARSE_ANSWER } from '../../src/pipeline/steps/parse.ts';
import { cleanEnv, runScribe } from '../helpers/scribe-process.ts';
import { TEMPLATE, startServices, type Services } from '../helpers/services.ts';
import { expectTemplateKept } from '../helpers/template-kept.ts';

let services: Services;
let dir: string;
let templateFile: string;

beforeAll(async () => {
  services = await startServices();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-batch-'));
  templateFile = path.join(dir, 'template.txt');
  await fs.writeFile(templateFile, TEMPLATE);
});
afterAll(async () => {
  await services?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

it('writes one email per recipient, prints progress per row and a summary, JSON on stdout', async () => {
  const csv = path.join(dir, 'recipients.csv');
  await fs.writeFile(csv, 'interest,name\nanalytical engines,Ada Lovelace\n"compilers, languages",Grace Hopper\n');
  const out = path.join(dir, 'out');
  const parses = services.anthropic.callsFor(PARSE_ANSWER).length;
  const { code, stdout, output } = await runScribe(
    ['draft', '--template', templateFile, '--batch', csv, '--json', '--out', out],
    cleanEnv(services.env),
  );
  expect(code).toBe(0);
  const result = JSON.parse(stdout) as {
    counts: { succeeded: number; failed: number };
    rows: { recipientName: string; status: string; file: string; result: { email: string } }[];
  };
  expect(result.counts).toEqual({ succeeded: 2, failed: 0 });
  expect(result.rows.map((r) => [r.recipientName, r.status])).toEqual([
    ['Ada Lovelace', 'succeeded'],
    ['Grace Hopper', 'succeeded'],
  ]);
  expect(result.rows[0]!.result.email).toContain('Dear Dr. Lovelace');
  expect(await fs.readFile(result.rows[1]!.file, 'utf8')).toContain('Dear Dr. Hopper');
  for (const row of result.rows) expectTemplateKept(row.result.email, TEMPLATE);
  expect(output).toMatch(/\[1\/2\] ✅ Ada Lovelace \(\d+\.\d s\)/);
  expect(output).toContain('2 emails: 2 ✅');
  // One template, read once for the whole batch.
  expect(services.anthropic.callsFor(PARSE_ANSWER).length - parses).toBe(1);
});

it('exits 1 when a row fails, after the others are written; exits 2 on bad lines, starting nothing', async () => {
  services.anthropic.respond((req) =>
    req.model.includes('sonnet') && JSON.stringify(req.messages).includes('Broken') ? { text: 'nope' } : undefined,
  );
  try {
    const csv = path.join(dir, 'one-bad.txt');
    await fs.writeFile(csv, 'Ada Lovelace | analytical engines\nBroken Babbage | difference engines\n');
    const failed = await runScribe(
      ['draft', '--template', templateFile, '--batch', csv, '--json'],
      cleanEnv(services.env),
    );
    expect(failed.code).toBe(1);
    const result = JSON.parse(failed.stdout) as { counts: { succeeded: number; failed: number } };
    expect(result.counts).toEqual({ succeeded: 1, failed: 1 });
    expect(failed.output).toContain('1 ✅ 1 ❌');
  } finally {
    services.anthropic.respond(() => undefined);
  }
  const invalid = path.join(dir, 'invalid.txt');
  await fs.writeFile(invalid, 'Ada Lovelace | engines\nno separator\n');
  const before = services.anthropic.requests.length;
  const refused = await runScribe(['draft', '--template', templateFile, '--batch', invalid], cleanEnv(services.env));
  expect(refused.code).toBe(2);
  expect(refused.output).toContain('Line 2:');
  expect(services.anthropic.requests.length).toBe(before);
});
