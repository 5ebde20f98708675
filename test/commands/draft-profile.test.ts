/** `scribe draft --profile FILE`: the sender's slots filled from a file, in code, never by the model. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runScribe } from '../helpers/scribe-process.ts';
import { RECIPIENT, startServices, type Services } from '../helpers/services.ts';

const TEMPLATE = `Dear Dr. {{last_name}},

I read your recent work on [their research topic] with great interest. I am [Your Position] at [Your University].

Best regards,
[Your Name]
[Your Phone]`;

let services: Services;
let dir: string;
const file = (name: string) => path.join(dir, name);

beforeAll(async () => {
  services = await startServices();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-profile-'));
  await fs.writeFile(file('template.txt'), TEMPLATE);
  await fs.writeFile(
    file('profile.json'),
    JSON.stringify({ name: 'Mary Somerville', position: 'a doctoral student', institution: 'Edinburgh University' }),
  );
  await fs.writeFile(file('profile.txt'), '# me\nname: Mary Somerville\ninstitution: Edinburgh University\n');
  await fs.writeFile(file('typo.txt'), 'name: Mary Somerville\ninstitute: Edinburgh University\n');
  await fs.writeFile(file('prose.txt'), 'I am Mary Somerville from Edinburgh.\n');
});
afterAll(async () => {
  await services?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const draft = (...extra: string[]) =>
  runScribe(
    [
      'draft',
      '--template',
      file('template.txt'),
      '--name',
      RECIPIENT.recipientName,
      '--interest',
      RECIPIENT.recipientInterest,
      ...extra,
    ],
    cleanEnv(services.env),
  );

describe('scribe draft --profile', () => {
  it('fills the sender slots from a JSON profile; the model neither sees nor writes them; the rest is named', async () => {
    const calls = services.anthropic.wireCalls().length;
    const { code, stdout } = await draft('--profile', file('profile.json'));
    expect(code).toBe(0);
    expect(stdout).toContain('I am a doctoral student at Edinburgh University.');
    expect(stdout).toContain('Best regards,\nMary Somerville\n[Your Phone]');
    expect(stdout).toContain('Note: Left for you to fill in: [Your Phone] (your sender profile has nothing for it).');
    const sent = JSON.stringify(services.anthropic.wireCalls().slice(calls));
    for (const value of ['Mary Somerville', 'a doctoral student', 'Edinburgh University']) {
      expect(sent).not.toContain(value);
    }
    expect(JSON.stringify(services.anthropic.answered())).not.toContain('Mary Somerville');
  });

  it('reads "key: value" lines', async () => {
    const { code, stdout } = await draft('--profile', file('profile.txt'));
    expect(code).toBe(0);
    expect(stdout).toContain('I am [Your Position] at Edinburgh University.');
    expect(stdout).toContain('Note: Left for you to fill in: [Your Position], [Your Phone]');
  });

  it('without a profile leaves every sender slot visible and says so', async () => {
    const { code, stdout } = await draft();
    expect(code).toBe(0);
    expect(stdout).toContain('I am [Your Position] at [Your University].');
    expect(stdout).toContain('Best regards,\n[Your Name]\n[Your Phone]');
    expect(stdout).toContain(
      'Note: Left for you to fill in: [Your Position], [Your University], [Your Name], [Your Phone] (your sender profile has nothing for them).',
    );
  });

  it('refuses a bad profile file before any work, with exit code 2 and what is wrong', async () => {
    const calls = services.anthropic.wireCalls().length;
    const typo = await draft('--profile', file('typo.txt'));
    expect(typo.code).toBe(2);
    expect(typo.output).toMatch(/the profile file .*typo\.txt is not a profile: .*institute/);
    expect(typo.output).toContain('keys name, position, institution, work');
    const prose = await draft('--profile', file('prose.txt'));
    expect(prose.code).toBe(2);
    expect(prose.output).toContain('has a line that is not "key: value" (line 1)');
    const missing = await draft('--profile', file('nowhere.json'));
    expect(missing.code).toBe(2);
    expect(missing.output).toContain('cannot read the profile file');
    expect(services.anthropic.wireCalls()).toHaveLength(calls);
  });
});
