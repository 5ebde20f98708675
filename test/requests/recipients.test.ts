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
    const result = parse('name,interest\nAda,engines\n"Grace"x,compilers\n');
    expect(result.ok ? [] : describeProblems(result.problems)).toEqual([
      expect.stringMatching(/^Line 3: this is not valid CSV/),
    ]);
  });

  it('names the line where a quote that never closes was opened, not where the text ends', () => {
    const problems = (text: string) => {
      const result = parse(text);
      return result.ok ? [] : describeProblems(result.problems);
    };
    expect(problems('name,interest\nAda,engines\n"Grace,compilers\nAlan,computability\n')).toEqual([
      'Line 3: a quote opens in this row and is never closed',
    ]);
    // After blank lines, indented, the quote in the second column, CRLF line ends, no final newline.
    expect(problems('name,interest\r\nAda,engines\r\n\r\n\r\n  Grace,"compilers\r\nAlan,x\r\nEmmy,rings')).toEqual([
      'Line 5: a quote opens in this row and is never closed',
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
      'More than 3 recipients: a batch can have at most 3; split it into smaller batches.',
    ]);
    expect(parse(many, 4).ok).toBe(true);
  });

  it('stops reading one row past the maximum: what follows is not parsed', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `Person ${i}, topic ${i}`);
    const tooMany = ['More than 50 recipients: a batch can have at most 50; split it into smaller batches.'];
    // A broken row at the end of a long list is never reached: the person hears only "at most 50".
    const csv = parse(['name,interest', ...rows, '"Never, closed'].join('\n'));
    expect(csv.ok ? [] : describeProblems(csv.problems)).toEqual(tooMany);
    expect(csv.recipients).toHaveLength(51);
    const lines = parse([...rows.map((r) => r.replace(',', ' |')), 'no separator here'].join('\n'));
    expect(lines.ok ? [] : describeProblems(lines.problems)).toEqual(tooMany);
    expect(lines.recipients).toHaveLength(51);
    // Bad rows within the first 51 are still named, alongside the limit.
    const early = parse(['no separator', ...rows.map((r) => r.replace(',', ' |'))].join('\n'));
    expect(early.ok ? [] : describeProblems(early.problems)).toEqual([
      'Line 1: expected `Name | research interest` (or a tab or comma between them)',
      ...tooMany,
    ]);
  });

  it('shows at most 20 problems and counts the rest', () => {
    const bad = Array.from({ length: 25 }, () => 'no separator').join('\n');
    const result = parse(bad);
    const lines = result.ok ? [] : describeProblems(result.problems);
    expect(lines).toHaveLength(21);
    expect(lines.at(-1)).toBe('…and 5 more');
  });
});

describe('who exactly, per row (issue 20)', () => {
  it('reads optional affiliation and orcid columns into each row’s hint; two namesakes are two recipients', () => {
    const result = parse(
      'name,interest,affiliation,orcid\n' +
        'Jun Li,machine learning,MIT CSAIL,0000-0002-1825-0097\n' +
        'Jun Li,machine learning,Tsinghua University,\n' +
        'Grace Hopper,compilers,,\n',
    );
    expect(result.ok && result.recipients.map((r) => r.identityHint)).toEqual([
      { affiliation: 'MIT CSAIL', orcid: '0000-0002-1825-0097' },
      { affiliation: 'Tsinghua University' },
      undefined,
    ]);
  });

  it('refuses a mistyped ORCID iD with its line number', () => {
    const result = parse(
      'name,interest,orcid\nAda Lovelace,engines,0000-0002-1825-0097\nJun Li,ML,0000-0002-1825-0096\n',
    );
    expect(result.ok).toBe(false);
    expect(!result.ok && describeProblems(result.problems)).toEqual([
      "Line 3: The ORCID iD 0000-0002-1825-0096 is mistyped: its last character should be 7 by ORCID's checksum. Copy it from the person's ORCID page.",
    ]);
  });
});
