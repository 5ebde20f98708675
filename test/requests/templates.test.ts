/**
 * The request layer's saved templates (src/requests/templates.ts) on a real database: names unique
 * per person (any case) and moving to a new body, editing in place, the request's own length rule,
 * the limit per person, other people's templates out of reach, and the two boxes joined as typed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  joinTemplateParts,
  listTemplates,
  readTemplate,
  removeTemplate,
  resolveTemplateOption,
  saveTemplateAs,
  savedTemplateRef,
  splitTemplateForInputs,
  suggestTemplates,
  TEMPLATE_MAX,
  TEMPLATES_MAX,
} from '../../src/requests/templates.ts';
import type { UserIdentity } from '../../src/requests/types.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { TEMPLATE } from '../helpers/services.ts';
import { longTemplate } from '../helpers/templates.ts';

let db: TestDatabase;
const ada: UserIdentity = { platform: 'slack', teamId: 'T1', platformUserId: 'U0ADA', displayName: 'ada' };
const bob: UserIdentity = { platform: 'slack', teamId: 'T1', platformUserId: 'U0BOB', displayName: 'bob' };
const other = `${TEMPLATE}\n\nP.S. A second one.`;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
});
afterAll(() => db?.drop());

describe('saved templates', () => {
  it('saves under a name, moves a name to a new body, and renames or changes one in place', async () => {
    const first = await saveTemplateAs(db.pool, ada, { name: 'Lab', body: TEMPLATE });
    expect(first).toMatchObject({ ok: true, replacedName: false, template: { name: 'Lab', length: TEMPLATE.length } });
    // The same name (any case) for another body: the name moves; the old body keeps no name.
    const moved = await saveTemplateAs(db.pool, ada, { name: 'LAB', body: other });
    expect(moved).toMatchObject({ ok: true, replacedName: true });
    expect((await listTemplates(db.pool, ada)).map((t) => [t.name, t.length])).toEqual([['LAB', other.length]]);
    // Editing: a new name for the same body renames it; a new body replaces it.
    const id = moved.ok ? moved.template.id : '';
    const renamed = await saveTemplateAs(db.pool, ada, { name: 'Lab letter', body: other, replacing: id });
    expect(renamed).toMatchObject({ ok: true, replacedName: false, template: { id, name: 'Lab letter' } });
    const changed = await saveTemplateAs(db.pool, ada, { name: 'Lab letter', body: TEMPLATE, replacing: id });
    expect((await listTemplates(db.pool, ada)).map((t) => [t.name, t.length])).toEqual([
      ['Lab letter', TEMPLATE.length],
    ]);
    expect(changed.ok && (await readTemplate(db.pool, ada, changed.template.id))?.body).toBe(TEMPLATE);
  });

  it('checks a body by the request’s rule and a name’s length, naming the field', async () => {
    expect(await saveTemplateAs(db.pool, ada, { name: '', body: 'too short' })).toEqual({
      ok: false,
      errors: { name: 'Give the template a name', body: 'The template must be at least 20 characters' },
    });
    const tooLong = await saveTemplateAs(db.pool, ada, { name: 'x'.repeat(61), body: 'a'.repeat(TEMPLATE_MAX + 1) });
    expect(tooLong).toEqual({
      ok: false,
      errors: {
        name: 'A name must be at most 60 characters',
        body: 'The template must be at most 20,000 characters',
      },
    });
  });

  it('keeps other people’s templates out of reach', async () => {
    const [mine] = await listTemplates(db.pool, ada);
    expect(await readTemplate(db.pool, bob, mine!.id)).toBeUndefined();
    expect(await resolveTemplateOption(db.pool, bob, savedTemplateRef(mine!.id))).toEqual({ missing: true });
    expect(await removeTemplate(db.pool, bob, mine!.id)).toBeUndefined();
    expect(await resolveTemplateOption(db.pool, ada, savedTemplateRef(mine!.id))).toMatchObject({ template: TEMPLATE });
    expect(await resolveTemplateOption(db.pool, ada, 'typed as it is')).toEqual({ template: 'typed as it is' });
    expect((await suggestTemplates(db.pool, ada, 'LETTER', 25)).map((t) => t.name)).toEqual(['Lab letter']);
    expect(await suggestTemplates(db.pool, bob, '', 25)).toEqual([]);
  });

  it(`refuses a new name past ${TEMPLATES_MAX} templates; deleting one makes room`, async () => {
    for (let i = 1; i < TEMPLATES_MAX; i++) {
      const saved = await saveTemplateAs(db.pool, ada, { name: `T${i}`, body: `${TEMPLATE} ${i}` });
      expect(saved.ok).toBe(true);
    }
    expect(await listTemplates(db.pool, ada)).toHaveLength(TEMPLATES_MAX);
    const refused = await saveTemplateAs(db.pool, ada, { name: 'One more', body: `${TEMPLATE} more` });
    expect(refused).toEqual({
      ok: false,
      errors: { name: `You have ${TEMPLATES_MAX} saved templates: delete one first` },
    });
    const [first] = await listTemplates(db.pool, ada);
    expect(await removeTemplate(db.pool, ada, first!.id)).toBe(first!.name);
    expect((await saveTemplateAs(db.pool, ada, { name: 'One more', body: `${TEMPLATE} more` })).ok).toBe(true);
  });

  it('cuts a long body for two boxes after a line break or a space, and joins it back as typed', () => {
    const long = longTemplate(4_500);
    const parts = splitTemplateForInputs(long, 3_000, 2)!;
    expect(parts).toHaveLength(2);
    expect(parts[0]!.length).toBeLessThanOrEqual(3_000);
    expect(parts[0]).toMatch(/[\s]$/);
    expect(joinTemplateParts(parts)).toBe(long);
    expect(splitTemplateForInputs(long, 2_000, 2)).toBeUndefined();
    expect(splitTemplateForInputs(TEMPLATE, 3_000, 2)).toEqual([TEMPLATE]);
  });
});
