/**
 * `scribe draft --eml FILE` and `--json`'s hand-off (issue 22): the draft written to FILE parses
 * (X-Unsent, To only when a source showed the address, the subject, the bare email), and the JSON
 * carries the Gmail, Outlook and mailto: links that decode to the same subject and email.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROFILE_TEXT } from '../fakes/pages.ts';
import { parseEml } from '../helpers/eml.ts';
import { cleanEnv, runScribe } from '../helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, startServices, type Services } from '../helpers/services.ts';

let services: Services;
let dir: string;
let templateFile: string;

beforeAll(async () => {
  services = await startServices();
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-eml-'));
  templateFile = path.join(dir, 'template.txt');
  await fs.writeFile(templateFile, TEMPLATE);
});
afterAll(async () => {
  await services?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const args = (eml: string) => [
  'draft',
  '--template',
  templateFile,
  '--name',
  RECIPIENT.recipientName,
  '--interest',
  RECIPIENT.recipientInterest,
  '--json',
  '--eml',
  eml,
];

interface Json {
  email: string;
  subject: string;
  recipientEmail?: { address: string; source: number };
  handoff: { to?: string; subject: string; body: string; gmail: string; outlook: string; mailto: string; eml: boolean };
}

describe('scribe draft --eml', () => {
  it('writes the draft and gives the links, with the address her page shows as To', async () => {
    const before = services.exa.defaults;
    const [profile, ...rest] = before;
    services.exa.defaults = [{ ...profile!, text: `${PROFILE_TEXT} Email: ada.lovelace@uni.example` }, ...rest];
    const file = path.join(dir, 'ada.eml');
    try {
      const { code, stdout, output } = await runScribe(args(file), cleanEnv(services.env));
      expect(code).toBe(0);
      expect(output).toContain(`The draft is in ${file}`);
      const result = JSON.parse(stdout) as Json;
      expect(result.recipientEmail).toEqual({ address: 'ada.lovelace@uni.example', source: 1 });
      expect(result.handoff).toMatchObject({ to: 'ada.lovelace@uni.example', subject: result.subject, eml: false });
      expect(Object.fromEntries(new URL(result.handoff.gmail).searchParams)).toMatchObject({
        to: 'ada.lovelace@uni.example',
        su: result.subject,
        body: result.email.trimEnd(),
      });
      expect(Object.fromEntries(new URL(result.handoff.outlook).searchParams)).toMatchObject({
        subject: result.subject,
        body: result.email.trimEnd(),
      });
      expect(result.handoff.mailto.startsWith('mailto:ada.lovelace@uni.example?subject=')).toBe(true);
      const eml = parseEml(await fs.readFile(file));
      expect(eml.headers.get('x-unsent')).toBe('1');
      expect(eml.headers.get('to')).toBe('ada.lovelace@uni.example');
      expect(eml.headers.get('subject')).toBe(result.subject);
      expect(eml.body).toBe(result.email.trimEnd());
    } finally {
      services.exa.defaults = before;
    }
  }, 60_000);

  it('leaves To out when no source shows an address', async () => {
    const file = path.join(dir, 'none.eml');
    const { code, stdout } = await runScribe(args(file), cleanEnv(services.env));
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Json;
    expect(result.recipientEmail).toBeUndefined();
    expect(result.handoff.to).toBeUndefined();
    expect(new URL(result.handoff.gmail).searchParams.get('to')).toBe('');
    const eml = parseEml(await fs.readFile(file));
    expect(eml.headers.has('to')).toBe(false);
    expect(eml.body).toBe(result.email.trimEnd());
  }, 60_000);
});
