/**
 * How well a paper matches the recipient's interest: the ranking the arXiv step, the identity
 * filter and the research step share (its own module so that none of them imports another).
 */
import type { Paper } from './types.ts';

/** Papers kept for the composer. */
export const PAPERS_KEPT = 5;

const STOPWORDS = new Set(
  'a an and are as at be by for from has have in into is it its of on or that the their this to was were with using via based towards toward new our we'.split(
    ' ',
  ),
);

/** Lowercased word stems of 3+ letters without stop words ("networks" → "network"). */
export function terms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((w) => w.length >= 3 && !STOPWORDS.has(w))
    .map(stem);
}

function stem(word: string): string {
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss')) return word.slice(0, -1);
  return word;
}

/**
 * TF-IDF-ish relevance: each query term found in a paper scores its inverse document frequency
 * over the candidates (rarer terms say more), doubled in the title. Ties go to the newer paper,
 * then to the search's own order.
 */
export function rankPapers(papers: readonly Paper[], query: readonly string[]): { paper: Paper; score: number }[] {
  const wanted = [...new Set(query.flatMap(terms))];
  const docs = papers.map((p) => ({ title: new Set(terms(p.title)), abstract: new Set(terms(p.abstract)) }));
  const idf = new Map(
    wanted.map((t) => {
      const df = docs.filter((d) => d.title.has(t) || d.abstract.has(t)).length;
      return [t, Math.log(1 + papers.length / (1 + df))];
    }),
  );
  return papers
    .map((paper, i) => {
      const doc = docs[i] ?? { title: new Set<string>(), abstract: new Set<string>() };
      let score = 0;
      for (const t of wanted) {
        const weight = (doc.title.has(t) ? 2 : 0) + (doc.abstract.has(t) ? 1 : 0);
        score += weight * (idf.get(t) ?? 0);
      }
      return { paper, score, i };
    })
    .sort((a, b) => b.score - a.score || b.paper.year - a.paper.year || a.i - b.i)
    .map(({ paper, score }) => ({ paper, score }));
}
