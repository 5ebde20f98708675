/**
 * Saved templates (issue 23, item 4): several named templates per person, saved from the `/scribe`
 * forms or the template manager (`/scribe templates`), picked in the forms (Slack: a select;
 * Discord: the `template` option's autocomplete), renamed, edited and deleted. Written once for
 * every platform; the adapters only parse, call and word.
 *
 * A body is checked by the request's own rule (`GenerationRequestSchema.shape.template`): a saved
 * template is one the form would accept, and the limit lives in one place. The manager takes a body
 * in two parts where a platform's input is too small (Slack's 3,000, Discord's 4,000): the parts
 * are joined as typed, the second continuing where the first ends.
 */
import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../db/pool.ts';
import { withTransaction } from '../db/pool.ts';
import {
  deleteTemplate,
  findTemplateByName,
  getNamedTemplate,
  listNamedTemplates,
  type NamedTemplate,
  type NamedTemplateEntry,
  nameTemplate,
  unnameTemplate,
} from '../db/templates.ts';
import { upsertUser, type UserIdentity } from '../db/users.ts';
import { cleanInputText } from '../text/clean.ts';
import { GenerationRequestSchema } from './commit/start.ts';

export type { NamedTemplate, NamedTemplateEntry } from '../db/templates.ts';

/** A template's name: one line, at most this long (fits a Slack option's 75 and a Discord choice's 100). */
export const TEMPLATE_NAME_MAX = 60;
/** How many saved templates a person may keep: what every platform's select and autocomplete can offer at once (Discord: 25). */
export const TEMPLATES_MAX = 25;
export { TEMPLATE_MAX } from './commit/start.ts';

const TemplateNameSchema = z
  .string()
  .transform(cleanInputText)
  .pipe(
    z
      .string()
      .min(1, { error: 'Give the template a name' })
      .max(TEMPLATE_NAME_MAX, { error: `A name must be at most ${TEMPLATE_NAME_MAX} characters` })
      .refine((s) => !s.includes('\n'), { error: 'A name must be one line' }),
  );

/** The manager's fields, as each platform's form names them. */
export type TemplateField = 'name' | 'body';

/** A save's outcome: the template as stored, or a message per refused field. */
export type TemplateSaved =
  | { ok: true; template: NamedTemplateEntry; replacedName: boolean }
  | { ok: false; errors: Partial<Record<TemplateField, string>> };

/** The parts of a body typed into several inputs, joined as typed (the second continues the first). */
export function joinTemplateParts(parts: readonly (string | undefined)[]): string {
  return parts.map((p) => p ?? '').join('');
}

/**
 * A body cut into `count` parts of at most `max` characters for the manager's inputs, each cut just
 * after a line break (else a space) so a part does not end mid-word; `joinTemplateParts` gives it back.
 * Undefined when it does not fit.
 */
export function splitTemplateForInputs(body: string, max: number, count: number): string[] | undefined {
  const parts: string[] = [];
  let rest = body;
  while (rest.length > max) {
    const window = rest.slice(0, max);
    const line = window.lastIndexOf('\n');
    const space = window.lastIndexOf(' ');
    const cut = line > max / 2 ? line + 1 : space > max / 2 ? space + 1 : max;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  parts.push(rest);
  return parts.length <= count ? parts : undefined;
}

/** The person's saved templates, by name. */
export async function listTemplates(db: Db, identity: UserIdentity): Promise<NamedTemplateEntry[]> {
  const user = await upsertUser(db, identity);
  return listNamedTemplates(db, user.id, TEMPLATES_MAX);
}

/** One of the person's saved templates, with its body; undefined when it is not theirs (or gone). */
export async function readTemplate(db: Db, identity: UserIdentity, id: string): Promise<NamedTemplate | undefined> {
  if (!z.uuid().safeParse(id).success) return undefined;
  const user = await upsertUser(db, identity);
  return getNamedTemplate(db, user.id, id);
}

/**
 * Saves `body` as the person's template `name` (a name they already use moves to this body).
 * `replacing`: the id of the template being edited, whose old name and body give way.
 */
export async function saveTemplateAs(
  pool: pg.Pool,
  identity: UserIdentity,
  input: { name: string; body: string; replacing?: string | undefined },
): Promise<TemplateSaved> {
  const name = TemplateNameSchema.safeParse(input.name);
  const body = GenerationRequestSchema.shape.template.safeParse(input.body);
  if (!name.success || !body.success) {
    return {
      ok: false,
      errors: {
        ...(name.success ? {} : { name: name.error.issues[0]!.message }),
        ...(body.success ? {} : { body: body.error.issues[0]!.message }),
      },
    };
  }
  const user = await upsertUser(pool, identity);
  const replacing = input.replacing && z.uuid().safeParse(input.replacing).success ? input.replacing : undefined;
  const run = async (tx: Db) => {
    const taken = await findTemplateByName(tx, user.id, name.data);
    const count = (await listNamedTemplates(tx, user.id, TEMPLATES_MAX)).length;
    if (!taken && !replacing && count >= TEMPLATES_MAX) return { full: true as const, taken: undefined, id: undefined };
    if (replacing) await unnameTemplate(tx, user.id, replacing);
    const id = await nameTemplate(tx, user.id, name.data, body.data);
    return { full: false as const, taken, id };
  };
  const done = await withTransaction(pool, run);
  if (done.full) return { ok: false, errors: { name: `You have ${TEMPLATES_MAX} saved templates: delete one first` } };
  const template = (await getNamedTemplate(pool, user.id, done.id))!;
  return { ok: true, template, replacedName: done.taken !== undefined && done.taken.id !== replacing };
}

/** Deletes the person's template `id`; its name when it was theirs, else undefined. */
export async function removeTemplate(db: Db, identity: UserIdentity, id: string): Promise<string | undefined> {
  const found = await readTemplate(db, identity, id);
  if (!found) return undefined;
  const user = await upsertUser(db, identity);
  return (await deleteTemplate(db, user.id, id)) ? found.name : undefined;
}

/**
 * A reference to a saved template in a text option (Discord's autocomplete value): `saved:<id>`.
 * What a person types themselves is never one (an id is not something one types).
 */
export const SAVED_TEMPLATE_PREFIX = 'saved:';
export const savedTemplateRef = (id: string): string => `${SAVED_TEMPLATE_PREFIX}${id}`;

/**
 * The template a text option means: the saved one it names (`saved:<id>`, the person's own), else
 * the text as typed. `missing` when it names a template that is not theirs or no longer exists.
 */
export async function resolveTemplateOption(
  db: Db,
  identity: UserIdentity,
  value: string,
): Promise<{ template: string; saved?: NamedTemplate } | { missing: true }> {
  if (!value.startsWith(SAVED_TEMPLATE_PREFIX)) return { template: value };
  const saved = await readTemplate(db, identity, value.slice(SAVED_TEMPLATE_PREFIX.length));
  return saved ? { template: saved.body, saved } : { missing: true };
}

/** The saved templates whose name contains `typed` (any case), at most `max`: an autocomplete's choices. */
export async function suggestTemplates(
  db: Db,
  identity: UserIdentity,
  typed: string,
  max: number,
): Promise<NamedTemplateEntry[]> {
  const needle = typed.trim().toLowerCase();
  const all = await listTemplates(db, identity);
  return all.filter((t) => t.name.toLowerCase().includes(needle)).slice(0, max);
}
