/**
 * Two Ada Lovelaces in the fake OpenAlex (issue 20): the one the services' pages and first arXiv
 * paper are about (University of London, analytical engines, ORCID `ADA_ORCID`; also a journal
 * paper not on arXiv, `ADA_JOURNAL_PAPER`), and a namesake at another university who wrote the
 * second arXiv paper (weaving looms).
 */
import type { OpenAlexAuthorJson, OpenAlexWorkJson } from '../fakes/openalex.ts';

/** A valid ORCID iD (ORCID's own example), and one with a wrong check digit. */
export const ADA_ORCID = '0000-0002-1825-0097';
export const BAD_ORCID = '0000-0002-1825-0096';
/** Ada's paper that is only in OpenAlex; the namesake's arXiv paper. */
export const ADA_JOURNAL_PAPER = 'Notes on the Bernoulli numbers';
export const NAMESAKE_PAPER = 'A survey of weaving looms';

const institution = (id: string, name: string) => ({
  id: `https://openalex.org/${id}`,
  display_name: name,
  country_code: 'GB',
});
const LONDON = institution('I1', 'University of London');
const LEEDS = institution('I2', 'University of Leeds');
const topic = (name: string, subfield: string) => ({
  id: `https://openalex.org/T-${name}`,
  display_name: name,
  count: 3,
  subfield: { id: 'https://openalex.org/S1', display_name: subfield },
  field: { id: 'https://openalex.org/F1', display_name: 'Computer Science' },
  domain: { id: 'https://openalex.org/D1', display_name: 'Physical Sciences' },
});

function author(id: string, orcid: string | null, inst: typeof LONDON, topicName: string): OpenAlexAuthorJson {
  return {
    id: `https://openalex.org/${id}`,
    display_name: 'Ada Lovelace',
    orcid: orcid ? `https://orcid.org/${orcid}` : null,
    works_count: 3,
    cited_by_count: 10,
    last_known_institutions: [inst],
    affiliations: [{ institution: inst, years: [2024, 2023] }],
    topics: [topic(topicName, 'Hardware and Architecture')],
  };
}

/** A work; on arXiv when `arxivId` is given, else in a journal. */
function work(
  id: string,
  arxivId: string | undefined,
  title: string,
  year: number,
  by: OpenAlexAuthorJson,
  inst: typeof LONDON,
) {
  return {
    id: `https://openalex.org/${id}`,
    doi: arxivId ? `https://doi.org/10.48550/arxiv.${arxivId}` : `https://doi.org/10.5555/${id.toLowerCase()}`,
    title,
    display_name: title,
    publication_year: year,
    publication_date: `${year}-01-02`,
    type: arxivId ? 'preprint' : 'article',
    primary_location: arxivId
      ? { landing_page_url: `https://arxiv.org/abs/${arxivId}`, source: { display_name: 'arXiv' } }
      : { landing_page_url: `https://journal.example/${id}`, source: { display_name: "Taylor's Scientific Memoirs" } },
    authorships: [
      {
        author_position: 'first',
        author: { id: by.id, display_name: by.display_name, orcid: by.orcid ?? null },
        institutions: [inst],
        raw_author_name: by.display_name,
      },
    ],
    cited_by_count: 1,
  } satisfies OpenAlexWorkJson;
}

const ada = author('A100', ADA_ORCID, LONDON, 'Analytical engines');
const namesake = author('A200', null, LEEDS, 'Textile machinery');

export const ADA_NAMESAKES = {
  authors: [ada, namesake],
  works: [
    work('W1', '2401.00010', 'Programs for analytical engines', 2024, ada, LONDON),
    // Hers, not on arXiv: only the identity brings it to the composer.
    work('W3', undefined, 'Notes on the Bernoulli numbers', 2022, ada, LONDON),
    work('W2', '2301.00020', 'A survey of weaving looms', 2023, namesake, LEEDS),
  ],
};

const BABBAGE = institution('I3', 'Babbage College');
/** Ada's paper in the ambiguous case, and her namesake's. */
export const CLOSE_ADA_PAPER = 'Programs for analytical engines';
export const CLOSE_NAMESAKE_PAPER = 'Difference engines in practice';

/**
 * Two Ada Lovelaces too close to tell apart (issue 20, "Which Ada Lovelace?"): both work on
 * analytical engines, neither has an ORCID on the pages, and the pages name neither institution —
 * Babbage College (A100, the arXiv paper 2401.00010 and a journal paper) and the University of
 * Leeds (A200, a paper of her own). The first offered is the one with more works.
 */
export function closeNamesakes(): { authors: OpenAlexAuthorJson[]; works: OpenAlexWorkJson[] } {
  const one = { ...author('A100', null, BABBAGE, 'Analytical engines'), works_count: 3 };
  const two = { ...author('A200', null, LEEDS, 'Analytical engines'), works_count: 1 };
  return {
    authors: [one, two],
    works: [
      work('W1', '2401.00010', CLOSE_ADA_PAPER, 2024, one, BABBAGE),
      work('W3', undefined, ADA_JOURNAL_PAPER, 2022, one, BABBAGE),
      work('W4', undefined, CLOSE_NAMESAKE_PAPER, 2024, two, LEEDS),
    ],
  };
}
