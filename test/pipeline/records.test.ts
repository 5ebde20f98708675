import { describe, expect, it } from 'vitest';
import { parseStepRecords } from '../../src/pipeline/records.ts';
import { PAPERS } from './fixtures.ts';

const base = { durationMs: 1200, warnings: [], finishedAt: '2026-01-01T00:00:00.000Z' };
const parse = {
  ...base,
  status: 'done',
  output: {
    templateType: 'RESEARCH',
    searchTerms: ['engines'],
    placeholders: ['[topic]', '[Your Name]'],
    slots: [
      { placeholder: '[topic]', owner: 'recipient' },
      { placeholder: '[Your Name]', owner: 'sender' },
    ],
    hasRecipientSlot: true,
    language: 'de',
    subject: { line: 'Betreff: [topic]', text: '[topic]' },
  },
};
const research = {
  ...base,
  status: 'done',
  output: { summary: 'Ada wrote [1].', sources: [{ n: 1, url: 'https://uni.example/~ada', title: 'Ada' }] },
  reused: true,
};
const arxiv = { ...base, status: 'skipped', output: null, durationMs: 0 };
const compose = { ...base, status: 'done', output: { email: 'Dear Ada', draft: false, problems: [] } };

describe('parseStepRecords', () => {
  it('keeps records that match their step, as they were stored', () => {
    const { steps, invalid } = parseStepRecords(
      JSON.parse(
        JSON.stringify({ parse, research, arxiv: { ...base, status: 'done', output: { papers: PAPERS } }, compose }),
      ),
    );
    expect(invalid).toEqual([]);
    expect(steps).toEqual({ parse, research, arxiv: { ...base, status: 'done', output: { papers: PAPERS } }, compose });
  });

  it('reads a template reading stored before slots: classified in code, the sender’s never filled, English', () => {
    const old = {
      ...parse,
      output: { templateType: 'RESEARCH', searchTerms: ['engines'], placeholders: ['[Your Name]'] },
    };
    const { steps, invalid } = parseStepRecords({ parse: old });
    expect(invalid).toEqual([]);
    expect(steps.parse?.output).toEqual({
      ...old.output,
      slots: [{ placeholder: '[Your Name]', owner: 'sender' }],
      hasRecipientSlot: false,
      language: 'en',
    });
  });

  it('leaves out a record that does not parse, saying which and why, and keeps the rest', () => {
    const { steps, invalid } = parseStepRecords({ parse, research: { ...research, output: { summary: 42 } }, arxiv });
    expect(steps).toEqual({ parse, arxiv });
    expect(invalid).toEqual([{ step: 'research', problem: expect.stringContaining('summary') }]);
  });

  it('redoes a reading of the template or an email without an output, and ignores unknown keys', () => {
    const { steps, invalid } = parseStepRecords({
      parse: { ...parse, output: null },
      compose: { ...compose, status: 'skipped' },
      review: compose,
    });
    expect(steps).toEqual({});
    expect(invalid.map((i) => i.step)).toEqual(['parse', 'compose', 'review']);
  });

  it('yields no steps for a value that is not an object of records', () => {
    expect(parseStepRecords(null)).toEqual({ steps: {}, invalid: [] });
    expect(parseStepRecords([parse]).invalid).toEqual([
      { step: '*', problem: 'expected an object of step records, got an array' },
    ]);
    expect(parseStepRecords('parse').steps).toEqual({});
  });
});
