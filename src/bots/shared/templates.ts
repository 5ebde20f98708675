/** The words of saved templates (issue 23, item 4) on both platforms. */
import type { RequestDeps, TellPrivately } from '../../requests/port.ts';
import { type NamedTemplateEntry, saveTemplateAs, TEMPLATES_MAX } from '../../requests/templates.ts';
import type { UserIdentity } from '../../requests/types.ts';

const count = (n: number) => n.toLocaleString('en-US');

/** Said after a template was saved under a name (from a form or the manager). */
export function templateSavedText(name: string, replacedName: boolean): string {
  return replacedName
    ? `Saved your template as “${name}”, in place of the one that had that name.`
    : `Saved your template as “${name}”. Pick it next time in the /scribe form.`;
}

/** Said when a name given with a form could not be used (the email is written all the same). */
export function templateNotSavedText(reason: string): string {
  return `Your template was not saved: ${reason}.`;
}

export const templateDeletedText = (name: string): string => `Deleted your template “${name}”.`;

export const TEMPLATE_GONE = 'That template is not there any more: it was deleted or renamed.';

/** One line per saved template: its name and length. */
export function templateLines(templates: readonly NamedTemplateEntry[]): string[] {
  return templates.map((t) => `• ${t.name} · ${count(t.length)} characters`);
}

/** The manager's heading. */
export function templatesHeading(total: number): string {
  if (total === 0)
    return 'You have no saved templates yet. Save one here, or name one in the /scribe form (“Save as”).';
  return `Your saved templates (${total} of at most ${TEMPLATES_MAX}). Pick one in the /scribe form; edit, rename or delete them here.`;
}

/** What the manager says about long templates, per platform input size. */
export function longTemplateHint(inputMax: number): string {
  return `Over ${count(inputMax)} characters? Put the rest here: it carries on exactly where the first box ends.`;
}

/**
 * A form's "Save as": saves the template as sent under `name` and tells the person privately
 * either way (a refused name does not stop the email). Runs after the platform's ack.
 */
export async function saveFromForm(
  deps: Pick<RequestDeps, 'pool' | 'logger'>,
  identity: UserIdentity,
  input: { name: string; body: string },
  tell: TellPrivately,
): Promise<void> {
  try {
    const saved = await saveTemplateAs(deps.pool, identity, input);
    if (saved.ok) deps.logger.info({ event: 'template.saved', via: 'form' }, 'template saved from the form');
    await tell(
      saved.ok
        ? templateSavedText(saved.template.name, saved.replacedName)
        : templateNotSavedText(Object.values(saved.errors).join('; ')),
    );
  } catch (err) {
    deps.logger.warn({ err }, 'could not save the template from the form');
  }
}
