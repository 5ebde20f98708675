/**
 * The recipient's address, only when a source shows it (issue 22, item 2): an address naming them,
 * or one right by their name on their institution's page; never a role address, someone else's
 * next to them, or one on another site's page about them; obfuscated forms read; mailto: links
 * kept by the page reader.
 */
import { describe, expect, it } from 'vitest';
import { extractText } from '../../src/pipeline/clients/extract.ts';
import { deobfuscate, findRecipientEmail, registeredDomain } from '../../src/pipeline/recipient-email.ts';

const ADA = 'Dr. Ada Lovelace';
const page = (n: number, url: string, text: string) => ({ n, url, text });

describe('findRecipientEmail', () => {
  it('takes an address that names the person, with its source number', () => {
    const found = findRecipientEmail(ADA, [
      page(1, 'https://news.example/story', 'A story about engines, no address.'),
      page(
        2,
        'https://www.cam.ac.uk/people/ada',
        'Ada Lovelace, Professor. Email: Ada.Lovelace@cam.ac.uk. Office hours Tuesdays.',
      ),
    ]);
    expect(found).toEqual({ address: 'ada.lovelace@cam.ac.uk', source: 2 });
    for (const local of ['alovelace', 'lovelace', 'ada', 'lovelacea', 'ada_lovelace2']) {
      expect(findRecipientEmail(ADA, [page(3, 'https://x.example/', `Write to ${local}@x.example today.`)])).toEqual({
        address: `${local}@x.example`,
        source: 3,
      });
    }
  });

  it('takes an address right by the name on a page of the address’s own institution', () => {
    const text = 'People. Ada Lovelace — Professor of Computing — al77@cs.cam.ac.uk — Room 4. Charles Babbage, Reader.';
    expect(findRecipientEmail(ADA, [page(4, 'https://www.cl.cam.ac.uk/people/', text)])).toEqual({
      address: 'al77@cs.cam.ac.uk',
      source: 4,
    });
    // The same words on another site's page: not a page of that institution.
    expect(findRecipientEmail(ADA, [page(4, 'https://aggregator.example/ada', text)])).toBeUndefined();
  });

  it('never takes a role address, an address far from the name, or someone else’s next to theirs', () => {
    const filler = ' The department runs many courses on computing and engineering.'.repeat(4);
    const pages = [
      page(
        1,
        'https://www.cam.ac.uk/a',
        'Ada Lovelace. For enquiries write to office@cam.ac.uk or admissions@cam.ac.uk.',
      ),
      page(2, 'https://www.cam.ac.uk/b', `Ada Lovelace is a professor.${filler} Contact: cb512@cam.ac.uk`),
      page(3, 'https://www.cam.ac.uk/c', 'Ada Lovelace works with Charles Babbage (babbage@cam.ac.uk) on engines.'),
      page(4, 'https://www.cam.ac.uk/d', 'Ada Lovelace, Mary Somerville <mary.somerville@cam.ac.uk>'),
    ];
    expect(findRecipientEmail(ADA, pages)).toBeUndefined();
    // A namesake's name in someone else's address does not count either: the surname must be a whole part.
    expect(
      findRecipientEmail(ADA, [page(5, 'https://x.example/', 'adamsmith@x.example and lovelaceworks@x.example')]),
    ).toBeUndefined();
  });

  it('prefers an address naming the person over one beside their name, and the lower source among equals', () => {
    const found = findRecipientEmail(ADA, [
      page(1, 'https://www.cam.ac.uk/people', 'Ada Lovelace (al77@cam.ac.uk)'),
      page(3, 'https://uni.example/ada', 'Contact: ada.lovelace@uni.example'),
      page(2, 'https://other.example/ada', 'Contact: lovelace@other.example'),
    ]);
    expect(found).toEqual({ address: 'lovelace@other.example', source: 2 });
  });

  it('reads bracketed obfuscations, not a bare "at"', () => {
    expect(deobfuscate('ada [at] cam [dot] ac [dot] uk')).toBe('ada@cam.ac.uk');
    expect(findRecipientEmail(ADA, [page(1, 'https://x.example/', 'Email: ada.lovelace (at) cam.ac.uk')])).toEqual({
      address: 'ada.lovelace@cam.ac.uk',
      source: 1,
    });
    expect(
      findRecipientEmail(ADA, [page(1, 'https://x.example/', 'Ada Lovelace at cam dot ac dot uk')]),
    ).toBeUndefined();
  });

  it('knows registered domains under ac.uk and co.jp', () => {
    expect(registeredDomain('www.cl.cam.ac.uk')).toBe('cam.ac.uk');
    expect(registeredDomain('people.mit.edu')).toBe('mit.edu');
    expect(registeredDomain('lab.u-tokyo.co.jp')).toBe('u-tokyo.co.jp');
  });
});

describe('the page reader keeps a mailto: link’s address', () => {
  it('writes the address after a link whose text does not show it', async () => {
    const html = `<html><body><main><h1>Ada Lovelace</h1><p>${'Ada studies analytical engines. '.repeat(10)}</p>
      <p><a href="mailto:ada.lovelace%40cam.ac.uk?subject=Hello">Email me</a> ·
      <a href="mailto:ada@cam.ac.uk">ada@cam.ac.uk</a></p></main></body></html>`;
    const { text } = await extractText(html);
    expect(text).toContain('Email me (ada.lovelace@cam.ac.uk)');
    expect(text).not.toContain('subject=Hello');
    expect(text.match(/ada@cam\.ac\.uk/g)).toHaveLength(1);
  });
});
