/**
 * The `/scribe` form's saved-template parts on Discord (issue 23, item 4), apart from its other
 * fields: what the template field says when a saved one fills it, and the name `save_as` carries.
 * Pure functions.
 */

/** A saved template the form opens with (`/scribe template:<saved>`), and the name to save as. */
export interface SavedTemplateForm {
  /** The saved template's name, when the form opens with one. */
  name?: string | undefined;
  /** `save_as`: the name the form's template is saved under when it is sent. */
  saveAs?: string | undefined;
}

/** The template field's description (at most 100 characters), or undefined to say the usual. */
export function savedTemplateDescription(saved: SavedTemplateForm | undefined): string | undefined {
  if (saved?.name) return `Your saved template “${saved.name.slice(0, 40)}”; changes here are for this email.`;
  if (saved?.saveAs) return `Saved as “${saved.saveAs.slice(0, 40)}” when you send the form.`;
  return undefined;
}
