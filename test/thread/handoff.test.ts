/**
 * The hand-off to a mail client (issue 22, item 1): the compose links decode back to the exact
 * subject and body, spaces are %20 (never +), links past the platform's limit are left out and the
 * email goes as an `.eml` draft that a strict reader parses (headers, RFC 2047 subject, body,
 * X-Unsent), and `To` is only the address a source showed.
 */
import { describe, expect, it } from 'vitest';
import {
  DISCORD_BUTTON_URL_MAX,
  emlFileName,
  emlOf,
  gmailUrl,
  HANDOFF_URL_MAX,
  handoffLinks,
  handoffOf,
  mailtoUrl,
  outlookUrl,
  SLACK_BUTTON_URL_MAX,
  toLine,
} from '../../src/thread/handoff.ts';
import { parseEml } from '../helpers/eml.ts';

const BODY = 'Dear Dr. Lovelace,\n\nI read "Notes on the Engine" & loved it: 100% + more?\n\nBest regards,\nMary';

/** The query parameters of a compose link, decoded as a browser decodes them. */
function params(url: string): Record<string, string> {
  return Object.fromEntries(new URL(url).searchParams);
}

describe('the compose links', () => {
  const h = handoffOf({
    email: BODY,
    subject: 'Your work on engines & loops',
    recipientEmail: { address: 'ada@cam.ac.uk', source: 2 },
  });

  it('Gmail and Outlook decode back to the exact subject, body and address, with %20 for spaces', () => {
    const gmail = gmailUrl(h);
    expect(gmail.startsWith('https://mail.google.com/mail/?view=cm&fs=1&to=')).toBe(true);
    expect(params(gmail)).toMatchObject({ view: 'cm', fs: '1', to: 'ada@cam.ac.uk', su: h.subject, body: BODY });
    const outlook = outlookUrl(h);
    expect(outlook.startsWith('https://outlook.office.com/mail/deeplink/compose?to=')).toBe(true);
    expect(params(outlook)).toMatchObject({ to: 'ada@cam.ac.uk', subject: h.subject, body: BODY });
    for (const url of [gmail, outlook, mailtoUrl(h)]) {
      expect(url).not.toContain('+');
      expect(url).not.toMatch(/\s/);
      expect(url).toContain('Dear%20Dr.%20Lovelace');
    }
  });

  it('mailto: (RFC 6068) carries the address in its path and CRLF line breaks in the body', () => {
    const url = mailtoUrl(h);
    expect(url.startsWith('mailto:ada@cam.ac.uk?subject=')).toBe(true);
    expect(url).toContain('%0D%0A');
    const query = new URLSearchParams(url.slice(url.indexOf('?') + 1));
    expect(query.get('subject')).toBe(h.subject);
    expect(query.get('body')).toBe(BODY.replace(/\n/g, '\r\n'));
  });

  it('keeps non-ASCII text exact', () => {
    const greek = handoffOf({ email: 'Αγαπητή κα Λάβλεϊς,\n\n你好 — 😀', subject: 'Über Ihre Arbeit' });
    expect(params(gmailUrl(greek))).toMatchObject({ su: 'Über Ihre Arbeit', body: 'Αγαπητή κα Λάβλεϊς,\n\n你好 — 😀' });
  });

  it('takes the template’s own subject line out of the body and uses it as the subject', () => {
    const own = handoffOf({ email: 'Subject: Engines and loops\n\nDear Ada,\n\nHello.', subject: 'Engines and loops' });
    expect(own).toEqual({ subject: 'Engines and loops', body: 'Dear Ada,\n\nHello.' });
    // No To without a source, and no subject is invented for an old version.
    expect(handoffOf({ email: 'Dear Ada,\n\nHello.' })).toEqual({ subject: '', body: 'Dear Ada,\n\nHello.' });
  });

  it('leaves out links past the platform’s limit and asks for the .eml instead', () => {
    const short = handoffLinks(h, DISCORD_BUTTON_URL_MAX);
    expect(short).toMatchObject({ eml: false, gmail: gmailUrl(h), outlook: outlookUrl(h), mailto: mailtoUrl(h) });
    const long = { ...h, body: 'word '.repeat(150).trim() }; // 750 characters, ~1,050 encoded
    const onDiscord = handoffLinks(long, DISCORD_BUTTON_URL_MAX);
    expect(onDiscord).toMatchObject({ eml: true, gmail: undefined, outlook: undefined });
    const onSlack = handoffLinks(long, SLACK_BUTTON_URL_MAX);
    expect(onSlack.eml).toBe(false);
    expect(onSlack.gmail!.length).toBeLessThanOrEqual(HANDOFF_URL_MAX);
    // Slack allows 3,000, but the browsers' cap of 2,000 holds.
    const longer = { ...h, body: 'word '.repeat(400).trim() };
    expect(handoffLinks(longer, SLACK_BUTTON_URL_MAX)).toMatchObject({
      eml: true,
      gmail: undefined,
      mailto: undefined,
    });
  });

  it('says where the address came from, and never puts an address that is not plain in To', () => {
    expect(toLine({ recipientEmail: { address: 'ada@cam.ac.uk', source: 2 } })).toBe('To: ada@cam.ac.uk (from [2])');
    expect(toLine({})).toBeUndefined();
    const evil = handoffOf({
      email: 'Hi',
      recipientEmail: { address: 'ada@cam.ac.uk\r\nBcc: x@evil.example', source: 1 },
    });
    expect(evil.to).toBeUndefined();
  });
});

describe('the .eml draft', () => {
  it('parses: X-Unsent, To, Subject, UTF-8 body in base64, CRLF line ends', () => {
    const h = handoffOf({ email: BODY, subject: 'Your work', recipientEmail: { address: 'ada@cam.ac.uk', source: 1 } });
    const eml = emlOf(h);
    expect(eml).not.toMatch(/[^\r]\n/);
    const parsed = parseEml(eml);
    expect(parsed.headers.get('x-unsent')).toBe('1');
    expect(parsed.headers.get('to')).toBe('ada@cam.ac.uk');
    expect(parsed.headers.get('subject')).toBe('Your work');
    expect(parsed.headers.get('mime-version')).toBe('1.0');
    expect(parsed.body).toBe(BODY);
  });

  it('encodes a non-ASCII subject as RFC 2047 words within 75 characters, and folds a long ASCII one', () => {
    const subject = 'Ihre Arbeit über analytische Maschinen — eine Frage zu Schleifen und Lochkarten 😀';
    const eml = emlOf({ subject, body: 'Sehr geehrte Frau Lovelace,\n\nGrüße' });
    const words = eml.match(/=\?UTF-8\?B\?[^?]*\?=/g) ?? [];
    expect(words.length).toBeGreaterThan(1);
    for (const w of words) expect(w.length).toBeLessThanOrEqual(75);
    const parsed = parseEml(eml);
    expect(parsed.headers.get('subject')).toBe(subject);
    expect(parsed.headers.has('to')).toBe(false);
    expect(parsed.body).toBe('Sehr geehrte Frau Lovelace,\n\nGrüße');

    const ascii = 'A question about your work on programs for analytical engines and the loops in them, and more';
    const folded = emlOf({ subject: ascii, body: 'x' });
    for (const line of folded.split('\r\n')) expect(line.length).toBeLessThanOrEqual(78);
    expect(parseEml(folded).headers.get('subject')).toBe(ascii);
  });

  it('keeps a 10,000-character email whole', () => {
    const body = Array.from({ length: 120 }, (_, i) => `Paragraph ${i}: ${'words and more '.repeat(5)}`).join('\n\n');
    expect(parseEml(emlOf({ subject: 's', body })).body).toBe(body);
  });

  it('names the file in ASCII', () => {
    expect(emlFileName('Dr. Åda Lovelace', 1)).toBe('email-to-dr-ada-lovelace.eml');
    expect(emlFileName('李娜', 3)).toBe('email-to-recipient-v3.eml');
  });
});
