/** `scribe draft` as a person runs it in a terminal, against the local fakes. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERLOADED } from '../fakes/anthropic.ts';
import { PROFILE_TEXT } from '../fakes/pages.ts';
import { cleanEnv, runScribe } from '../helpers/scribe-process.ts';
import { ADA_JOURNAL_PAPER, ADA_ORCID, BAD_ORCID, NAMESAKE_PAPER } from '../helpers/namesakes.ts';
import {
  composerPrompt,
  OPENALEX_TEST_KEY,
  RECIPIENT,
  TEMPLATE,
  startServices,
  type Services,
} from '../helpers/services.ts';
import { expectTemplateKept } from '../helpers/template-kept.ts';

let services: Services;
let dir: string;
let templateFile: string;

beforeAll(async () => {
  services = await startServices();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-draft-'));
  templateFile = path.join(dir, 'template.txt');
  await fs.writeFile(templateFile, TEMPLATE);
});
afterAll(async () => {
  await services?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const args = () => [
  'draft',
  '--template',
  templateFile,
  '--name',
  RECIPIENT.recipientName,
  '--interest',
  RECIPIENT.recipientInterest,
];

describe('scribe draft', () => {
  it('leaves out a page still being read at RESEARCH_PAGES_DEADLINE, and says so under the research', async () => {
    const saved = services.exa.defaults;
    // One page to read, and it never ends (an endless stream); the other result has Exa's text.
    services.exa.defaults = [
      { url: 'https://uni.example/~ada', title: 'Ada Lovelace — University of London', text: PROFILE_TEXT },
      { url: services.pages.page('/trickle'), title: 'Ada Lovelace — an endless page', text: undefined },
    ];
    try {
      const { code, stdout, output } = await runScribe(
        args(),
        cleanEnv({ ...services.env, RESEARCH_PAGES_DEADLINE: '1s' }),
      );
      expect(code).toBe(0);
      const host = new URL(services.pages.url).host;
      expect(output).toContain(`    ⚠️ 1 page was too slow (over 1 s) and was left out: ${host}/trickle\n`);
      expect(stdout).toContain('Sources:\n[1] Ada Lovelace — University of London — https://uni.example/~ada');
      expect(stdout).not.toContain('/trickle');
    } finally {
      services.exa.defaults = saved;
    }
  });

  it('prints a line per step on stderr and the subject, the email and its sources on stdout', async () => {
    const { code, stdout, output } = await runScribe(args(), cleanEnv(services.env));
    expect(code).toBe(0);
    // The template has no subject line: the one the writer wrote, above the bare email (no marks).
    expect(stdout).toMatch(
      /^Subject: About your work on analytical engines\n\nDear Dr\. Lovelace,\n\nI read your recent work on analytical engines with great interest\./,
    );
    expect(stdout).toContain('Best regards,\n[Your Name]');
    expect(stdout).toContain('Sources:\n[1] Ada Lovelace — University of London — https://uni.example/~ada');
    // Papers are numbered after the web sources, as the fills cite them.
    expect(stdout).toContain('[3] Programs for analytical engines (2024) — http://arxiv.org/abs/2401.00010v1');
    for (const step of [
      'Reading the template',
      'Researching the web',
      'Finding papers on arXiv',
      'Writing the email',
    ]) {
      expect(output).toMatch(new RegExp(`✅ ${step} \\(\\d+\\.\\d s\\)`));
    }
    // Progress stays off stdout, so `scribe draft … > email.txt` keeps only the email.
    expect(stdout).not.toContain('✅');
  });

  it('asks where a personal line goes when the template has no recipient placeholder; "none" spends nothing', async () => {
    const plain = path.join(dir, 'plain.txt');
    const written =
      'Dear colleague,\n\nI would like to invite you to our workshop in May.\n\nBest regards,\n[Your Name]';
    await fs.writeFile(plain, written);
    const plainArgs = ['draft', '--template', plain, '--name', 'Ada Lovelace', '--interest', 'engines'];
    const calls = () => ({ anthropic: services.anthropic.requests.length, exa: services.exa.requests.length });
    const before = calls();

    const asked = await runScribe(plainArgs, cleanEnv(services.env));
    expect(asked.code).toBe(2);
    expect(asked.output).toContain('This template has placeholders only for your own details, none for the recipient');
    expect(asked.output).toContain('--personal-line after-greeting | before-signoff | none');

    const none = await runScribe([...plainArgs, '--personal-line', 'none'], cleanEnv(services.env));
    expect(none.code).toBe(0);
    expect(none.stdout).toContain(written);
    expect(calls()).toEqual(before);

    const line = await runScribe([...plainArgs, '--personal-line', 'after-greeting', '--json'], cleanEnv(services.env));
    expect(line.code).toBe(0);
    const email = (JSON.parse(line.stdout) as { email: string }).email;
    // The line is its own paragraph after the greeting; every other byte as written.
    expect(email.startsWith('Dear colleague,\n\n')).toBe(true);
    expect(email).toContain('\n\nI would like to invite you to our workshop in May.\n\nBest regards,\n[Your Name]');
    expect(email).not.toContain('[personal line]');
    expect(email.length).toBeGreaterThan(written.length + 10);
    expectTemplateKept(email, written.replace('Dear colleague,\n\n', 'Dear colleague,\n\n[personal line]\n\n'));
  });

  it('prints the whole result as JSON with --json', async () => {
    const { code, stdout } = await runScribe([...args(), '--json'], cleanEnv(services.env));
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as {
      email: string;
      subject: string;
      fills: { slot: string; text: string; sources: number[] }[];
      sources: unknown[];
      papers: { id: string }[];
      draft: boolean;
      about: string;
    };
    expect(result.email).toContain('Dear Dr. Lovelace');
    expectTemplateKept(result.email, TEMPLATE);
    expect(result.subject).toBe('About your work on analytical engines');
    expect(result.fills).toContainEqual({ slot: '[their research topic]', text: 'analytical engines', sources: [1] });
    expect(result.sources).toHaveLength(2);
    // No OpenAlex key: who wrote the papers is not verified, so only the one about the interest (issue 20).
    expect(result.papers.map((p) => p.id)).toEqual(['2401.00010']);
    expect(result.about).toBe('About: Ada Lovelace · identity not verified: OPENALEX_API_KEY is not set');
    expect(result.draft).toBe(false);
  });

  it('writes about the person an --orcid names, and says so (issue 20)', async () => {
    const env = cleanEnv({ ...services.env, OPENALEX_API_KEY: OPENALEX_TEST_KEY });
    const { code, stdout, output } = await runScribe([...args(), '--orcid', ADA_ORCID, '--json'], env);
    expect(code, output).toBe(0);
    const result = JSON.parse(stdout) as { papers: { id: string; title: string }[]; about: string };
    expect(result.about).toBe(`About: Ada Lovelace · University of London · ORCID ${ADA_ORCID}`);
    // Her papers, the one not on arXiv too; not her namesake's.
    expect(result.papers.map((p) => p.title)).toEqual(['Programs for analytical engines', ADA_JOURNAL_PAPER]);
    const prompt = composerPrompt(services);
    expect(prompt).toContain('Programs for analytical engines');
    expect(prompt).toContain(ADA_JOURNAL_PAPER);
    expect(prompt).not.toContain(NAMESAKE_PAPER);
    expect(services.openalex.requests.some((r) => r.path.includes(ADA_ORCID))).toBe(true);
    expect(output).toMatch(/✅ Checking who the recipient is \(\d+\.\d s\)/);
  });

  it('refuses an ORCID iD with a wrong check digit in one line, before any work, and exits 2', async () => {
    const before = services.anthropic.calls().length;
    const { code, stdout, output } = await runScribe([...args(), '--orcid', BAD_ORCID], cleanEnv(services.env));
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(output.split('\n')).toHaveLength(1);
    expect(output).toMatch(/^scribe draft: .*ORCID/);
    expect(services.anthropic.calls()).toHaveLength(before);
  });

  it('exits 1 with a one-line reason when the model rejects the key', async () => {
    const { code, output, stdout } = await runScribe(
      args(),
      cleanEnv({ ...services.env, ANTHROPIC_API_KEY: 'sk-ant-wrong' }),
    );
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(output).toContain(
      '❌ Reading the template failed: Anthropic rejected our credentials (401): check ANTHROPIC_API_KEY',
    );
    expect(output).not.toContain('scribe draft again');
  });

  it('says what to do next in terminal words when a service stays down', async () => {
    services.anthropic.failNext(Array.from({ length: 10 }, () => OVERLOADED));
    try {
      const { code, output, stdout } = await runScribe(args(), cleanEnv(services.env));
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(output).toContain(
        '❌ Reading the template failed: Anthropic is overloaded (529): Overloaded — failed after 1 try. Run scribe draft again later.',
      );
      // The chat's way to try again ("with 🔁 or /scribe") means nothing in a terminal.
      expect(output).not.toContain('with 🔁');
      expect(output).not.toContain('/scribe');
    } finally {
      services.anthropic.clearFailures();
    }
  });

  it('says in one line that ANTHROPIC_API_KEY is missing, before any work, and exits 2', async () => {
    const env = cleanEnv({ ...services.env, ANTHROPIC_API_KEY: undefined });
    for (const mode of [args(), ['draft', '--template', templateFile, '--batch', templateFile]]) {
      const { code, logs, output, stdout } = await runScribe(mode, env);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(logs).toEqual([]);
      expect(output).toBe(
        'scribe draft: ANTHROPIC_API_KEY is not set, so Scribe cannot ask Claude: set it (in the environment or .env) and run again',
      );
    }
  });

  it('prints its usage with --help, on stdout, whatever the configuration', async () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout } = await runScribe(['draft', flag], cleanEnv({ PORT: 'abc' }));
      expect(code).toBe(0);
      expect(stdout).toMatch(/^usage: scribe draft --template FILE --name NAME --interest TEXT/);
      expect(stdout).toContain('ANTHROPIC_API_KEY');
    }
  });

  it('explains bad arguments', async () => {
    const missing = await runScribe(['draft', '--name', 'Ada'], cleanEnv(services.env));
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('--template, --name and --interest are required');
    const noFile = await runScribe(
      ['draft', '--template', '/nope.txt', '--name', 'Ada', '--interest', 'x'],
      cleanEnv(services.env),
    );
    expect(noFile.code).toBe(1);
    expect(noFile.output).toContain('cannot read the template file /nope.txt: ENOENT');
  });
});
