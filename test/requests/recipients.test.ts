import { describe, expect, it } from 'vitest';
import { describeProblems, parseRecipients } from '../../src/requests/recipients.ts';

const parse = (text: string, max = 50) => parseRecipients(text, { max });
const pairs = (text: string) => {
  const result = parse(text);
  if (!result.ok) throw new Error(describeProblems(result.problems).join('\n'));
  return result.recipients.map((r) => [r.line, r.recipientName, r.recipientInterest]);
};

describe('parseRecipients', () => {
  it('reads `Name | interest` lines, skipping blank lines and # comments, with their line numbers', () => {
    expect(pairs('Ada Lovelace | analytical engines\n\n# later\nGrace Hopper|compilers, COBOL\n')).toEqual([
      [1, 'Ada Lovelace', 'analytical engines'],
      [4, 'Grace Hopper', 'compilers, COBOL'],
    ]);
  });

  it('reads rows pasted from a spreadsheet (tabs; further columns are not the interest)', () => {
    expect(pairs('Ada Lovelace\tanalytical engines\tada@example.org\r\nEmmy Noether\tring theory')).toEqual([
      [1, 'Ada Lovelace', 'analytical engines'],
      [2, 'Emmy Noether', 'ring theory'],
    ]);
  });

  it('reads comma-separated lines, an unquoted interest keeping its commas, a quoted name its comma', () => {
    expect(pairs('Ada Lovelace, analytical engines, poetry\n"Hopper, Grace", compilers')).toEqual([
      [1, 'Ada Lovelace', 'analytical engines, poetry'],
      [2, 'Hopper, Grace', 'compilers'],
    ]);
  });

  it('reads a CSV file with a header in any column order, quoted fields and a newline inside quotes', () => {
    const csv =
      '\uFEFFinterest,email,Name\n"graph theory, combinatorics",x@y.z,Paul Erdős\n"quantum\nfield theory",,"Dirac, Paul"\n';
    expect(pairs(csv)).toEqual([
      [2, 'Paul Erdős', 'graph theory, combinatorics'],
      [3, 'Dirac, Paul', 'quantum\nfield theory'],
    ]);
    expect(pairs('\nRecipient Name\tResearch Interest\nAda\tengines')).toEqual([[3, 'Ada', 'engines']]);
  });

  it('reports a broken CSV file by line', () => {
    const result = parse('name,interest\nAda,engines\n"Grace,compilers\n');
    expect(result.ok ? [] : describeProblems(result.problems)).toEqual([
      expect.stringMatching(/^Line \d+: this is not valid CSV/),
    ]);
  });

  it('lists every line it cannot use, by number, and refuses the batch whole', () => {
    const result = parse(
      'Ada Lovelace | engines\njust a name\n | no name\nGrace Hopper |\nAda Lovelace | engines\nAlan Turing | computability',
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.line)).toEqual([2, 3, 4, 5]);
    expect(describeProblems(result.problems)).toEqual([
      'Line 2: expected `Name | research interest` (or a tab or comma between them)',
      "Line 3: The recipient's name is required",
      "Line 4: The recipient's research interest is required",
      'Line 5: the same recipient as line 1',
    ]);
    // What did parse is still reported, so a form can keep it.
    expect(result.recipients.map((r) => r.recipientName)).toEqual(['Ada Lovelace', 'Alan Turing']);
  });

  it('refuses an empty input and a batch over the limit, with the numbers', () => {
    const empty = parse('\n  \n');
    expect(empty.ok ? [] : describeProblems(empty.problems)).toEqual([
      'No recipients given: write one per line, as `Name | research interest`.',
    ]);
    const many = Array.from({ length: 4 }, (_, i) => `Person ${i} | topic ${i}`).join('\n');
    const over = parse(many, 3);
    expect(over.ok ? [] : describeProblems(over.problems)).toEqual([
      '4 recipients is more than the 3 a batch can have; split it into smaller batches.',
    ]);
    expect(parse(many, 4).ok).toBe(true);
  });

  it('shows at most 20 problems and counts the rest', () => {
    const bad = Array.from({ length: 25 }, () => 'no separator').join('\n');
    const result = parse(bad);
    const lines = result.ok ? [] : describeProblems(result.problems);
    expect(lines).toHaveLength(21);
    expect(lines.at(-1)).toBe('…and 5 more');
  });
});
