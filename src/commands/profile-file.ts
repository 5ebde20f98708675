/**
 * `scribe draft --profile FILE`: the sender's details from a small file — JSON
 * (`{"name": "…", "institution": "…"}`) or `key: value` lines (`#` comments and blank lines
 * skipped) — with the keys `name`, `position`, `institution`, `work`, validated like the chat form.
 */
import fs from 'node:fs/promises';
import { z } from 'zod';
import { parseSenderProfile, SENDER_FIELD_NAMES, type SenderProfile } from '../pipeline/sender.ts';

/** The profile in `file`, or a message saying what is wrong with it. */
export async function readProfileFile(file: string): Promise<{ profile: SenderProfile } | { error: string }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    return { error: `cannot read the profile file ${file}: ${(err as NodeJS.ErrnoException).code ?? err}` };
  }
  const bad = (why: string) => ({
    error: `the profile file ${file} ${why}. Give JSON or "key: value" lines with the keys ${SENDER_FIELD_NAMES.join(', ')}.`,
  });
  let raw: unknown;
  if (text.trimStart().startsWith('{')) {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return bad(`is not valid JSON (${(err as Error).message})`);
    }
  } else {
    const entries: [string, string][] = [];
    for (const [i, line] of text.split(/\r?\n/).entries()) {
      if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
      const match = /^\s*([A-Za-z_]+)\s*:\s*(.*)$/.exec(line);
      if (!match) return bad(`has a line that is not "key: value" (line ${i + 1})`);
      entries.push([match[1]!.toLowerCase(), match[2]!]);
    }
    raw = Object.fromEntries(entries);
  }
  try {
    return { profile: parseSenderProfile(raw) };
  } catch (err) {
    if (!(err instanceof z.ZodError)) throw err;
    return bad(
      `is not a profile: ${err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ')}`,
    );
  }
}
