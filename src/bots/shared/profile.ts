/** The words of `/scribe profile` on both platforms. */

/** Said to the person only after the profile form is saved; `fields` names what it holds ("name, institution"). */
export function profileSavedText(fields: string): string {
  return fields === ''
    ? 'Your sender profile is empty now: your own placeholders ([Your Name]…) stay in the emails for you to fill in.'
    : `Saved your sender profile (${fields}). From your next email, Scribe fills your own placeholders ([Your Name], [Your University]…) with it; the model never sees it.`;
}
