/** Saved-template fixtures shared by the Slack and Discord tests (issue 23, item 4). */
import { TEMPLATE } from './services.ts';

/** The tail every long template ends with: past 3,000 (and 4,000) characters, it shows the whole template was used. */
export const LONG_TAIL = 'P.S. This last line sits past every chat field’s limit.';

/**
 * A template of exactly `length` characters: the services' template with a long paragraph of
 * varied sentences before the sign-off, and `LONG_TAIL` at its end.
 */
export function longTemplate(length = 4_500): string {
  const [head, signOff] = TEMPLATE.split('\n\nBest regards,');
  const end = `\n\nBest regards,${signOff}\n\n${LONG_TAIL}`;
  let paragraph = '';
  for (let i = 1; `${head}\n\n${paragraph}`.length + end.length < length + 2; i++) {
    paragraph += `Chapter ${i} of my thesis covers mechanism number ${i * 7} in the difference engine's carriage. `;
  }
  paragraph = paragraph.trimEnd();
  const over = `${head}\n\n${paragraph}`.length + end.length - length;
  paragraph = `${paragraph
    .slice(0, paragraph.length - over - 1)
    .trimEnd()
    .padEnd(paragraph.length - over - 1, 'x')}.`;
  return `${head}\n\n${paragraph}${end}`;
}
