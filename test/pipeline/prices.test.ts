import { describe, expect, it } from 'vitest';
import {
  addUsage,
  DEFAULT_PRICES,
  exaCost,
  formatUsd,
  parsePriceOverrides,
  priceOf,
  tokenCost,
  ZERO_USAGE,
} from '../../src/pipeline/prices.ts';
import { EXA_RATES } from '../fakes/exa.ts';

const usage = (inputTokens: number, outputTokens: number, cacheReadInputTokens = 0, cacheCreationInputTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheReadInputTokens,
  cacheCreationInputTokens,
});

describe('prices', () => {
  it('prices a model by its longest matching prefix, and an exact name over any prefix', () => {
    expect(priceOf(DEFAULT_PRICES, 'claude-haiku-5-5-20261007')).toEqual(DEFAULT_PRICES.models['claude-haiku-5-5']);
    expect(priceOf(DEFAULT_PRICES, 'claude-haiku-4-5')).toEqual(DEFAULT_PRICES.models['claude-haiku']);
    const table = {
      ...DEFAULT_PRICES,
      models: { ...DEFAULT_PRICES.models, 'claude-sonnet-5': { input: 9, output: 9, cacheRead: 9, cacheWrite: 9 } },
    };
    expect(priceOf(table, 'claude-sonnet-5-5')?.input).toBe(9);
    expect(priceOf(table, 'claude-sonnet-4-5')?.input).toBe(3);
    expect(priceOf(DEFAULT_PRICES, 'gpt-5')).toBeUndefined();
  });

  it('adds input, output, cache read and cache write tokens at their own rates', () => {
    // Sonnet 5.5: 2,000 in × $2 + 500 out × $10 + 10,000 cache read × $0.20 + 1,000 cache write × $2.50, per million.
    expect(tokenCost(DEFAULT_PRICES, 'claude-sonnet-5-5', usage(2_000, 500, 10_000, 1_000))).toBeCloseTo(
      0.004 + 0.005 + 0.002 + 0.0025,
      10,
    );
    // Haiku 5.5: 30,000 in × $0.10 + 800 out × $0.50.
    expect(tokenCost(DEFAULT_PRICES, 'claude-haiku-5-5', usage(30_000, 800))).toBeCloseTo(0.003 + 0.0004, 10);
    expect(tokenCost(DEFAULT_PRICES, 'mystery-model', usage(1, 1))).toBeUndefined();
    expect(addUsage(usage(1, 2, 3, 4), addUsage(ZERO_USAGE, usage(10, 20, 30, 40)))).toEqual(usage(11, 22, 33, 44));
  });

  it('prices an Exa search at the list price of its type, as Exa itself bills it', () => {
    // Two searches without a type (auto, $7 per 1,000) and two lite ones ($4 per 1,000).
    expect(exaCost(DEFAULT_PRICES, 2)).toBeCloseTo(0.014, 10);
    expect(exaCost(DEFAULT_PRICES, 2, 'lite')).toBeCloseTo(0.008, 10);
    // The fake Exa prices its answers by Exa's rate card: the two must agree.
    expect(DEFAULT_PRICES.exaSearch).toBe(EXA_RATES.auto);
    expect(DEFAULT_PRICES.exaLiteSearch).toBe(EXA_RATES.lite);
  });

  it('takes overrides from SCRIBE_PRICES_JSON over the defaults, and names what is wrong', () => {
    const table = parsePriceOverrides(
      '{"models":{"claude-haiku":{"input":2,"output":6,"cacheRead":0.2,"cacheWrite":2.5}},"exaSearch":0.01}',
    );
    expect(table.models['claude-haiku']?.input).toBe(2);
    expect(table.models['claude-sonnet']).toEqual(DEFAULT_PRICES.models['claude-sonnet']);
    expect(table.exaSearch).toBe(0.01);
    expect(table.exaLiteSearch).toBe(DEFAULT_PRICES.exaLiteSearch);
    expect(() => parsePriceOverrides('{')).toThrow(/not valid JSON/);
    expect(() => parsePriceOverrides('{"exaSearch":-1}')).toThrow(/exaSearch/);
    expect(() => parsePriceOverrides('{"models":{"x":{"input":1}}}')).toThrow(/models\.x\.output/);
  });

  it('shows amounts with enough digits to tell emails apart', () => {
    expect([0, 0.0004, 0.0243, 0.1, 1.372, 12.5].map(formatUsd)).toEqual([
      '$0.000',
      '<$0.001',
      '$0.024',
      '$0.100',
      '$1.37',
      '$12.50',
    ]);
  });
});
