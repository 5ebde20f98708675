/**
 * Handing the email to the person's mail client (issue 22, item 1): the *Open in Gmail* and *Open
 * in Outlook* compose links, a `mailto:` (RFC 6068), and, when a link would be too long, the email
 * as an `.eml` draft (RFC 5322, `X-Unsent: 1`) that Outlook, Apple Mail and Thunderbird open as a
 * draft. Pure functions, written once for Slack, Discord and `scribe draft`. The email handed over
 * is the bare one (no source marks): the template's own subject line, when it opens the email, is
 * the subject and not part of the body.
 */
import { findSubject } from '../pipeline/template.ts';
import type { ResultView } from './reporter.ts';

/** What goes into the mail client: the recipient's address when a source showed it, the subject, the body. */
export interface Handoff {
  to?: string | undefined;
  subject: string;
  body: string;
}

/**
 * The longest link handed to a browser or a mail app, whatever the platform allows: links start to
 * fail somewhere past ~1,600–2,000 characters (IE and old Edge stopped at 2,083), so an email that
 * needs more goes as an `.eml` file too (docs/decisions.md, "Hand-off").
 */
export const HANDOFF_URL_MAX = 2_000;
/** Slack's link button `url` (Block Kit): at most 3,000 characters. */
export const SLACK_BUTTON_URL_MAX = 3_000;
/** Discord's link button `url`: at most 512 characters. */
export const DISCORD_BUTTON_URL_MAX = 512;

/** An address Scribe will put in `To`: a plain addr-spec, nothing that needs quoting or could inject a header. */
export const PLAIN_ADDRESS =
  /^[A-Za-z0-9](?:[A-Za-z0-9._+-]*[A-Za-z0-9])?@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,}$/;

/** The email as the mail client gets it, from a result. */
export function handoffOf(view: Pick<ResultView, 'email' | 'subject' | 'recipientEmail'>): Handoff {
  const email = view.email.replace(/\r\n?/g, '\n');
  const own = findSubject(email);
  let body = email;
  if (own) {
    // The template's subject line is the subject, not the body's first line.
    const at = email.indexOf(own.line);
    body = email.slice(at + own.line.length).replace(/^[ \t]*\n(?:[ \t]*\n)*/, '');
  }
  const subject = oneLine(view.subject?.trim() || own?.text || '');
  const to = view.recipientEmail?.address;
  return { ...(to && PLAIN_ADDRESS.test(to) ? { to } : {}), subject, body: body.replace(/\s+$/, '') };
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();

/** Percent-encoding with `%20` for spaces (never `+`, which Gmail and Outlook would show as `+`). */
const enc = (text: string) => encodeURIComponent(text);

/** Gmail's compose window (`view=cm&fs=1`), filled in. */
export function gmailUrl(h: Handoff): string {
  return `https://mail.google.com/mail/?view=cm&fs=1&to=${enc(h.to ?? '')}&su=${enc(h.subject)}&body=${enc(h.body)}`;
}

/** Outlook on the web's compose deep link, filled in. */
export function outlookUrl(h: Handoff): string {
  return `https://outlook.office.com/mail/deeplink/compose?to=${enc(h.to ?? '')}&subject=${enc(h.subject)}&body=${enc(h.body)}`;
}

/** A `mailto:` (RFC 6068): line breaks in the body as `%0D%0A`, as §5 asks. */
export function mailtoUrl(h: Handoff): string {
  const body = h.body.replace(/\n/g, '\r\n');
  // The address is a PLAIN_ADDRESS: nothing in it needs encoding in the path.
  return `mailto:${h.to ?? ''}?subject=${enc(h.subject)}&body=${enc(body)}`;
}

/** The links that fit under `max` characters (the platform's and the browsers' limit), and whether an `.eml` is needed. */
export interface HandoffLinks {
  gmail?: string | undefined;
  outlook?: string | undefined;
  mailto?: string | undefined;
  /** A compose link was too long: the email goes as an `.eml` draft too. */
  eml: boolean;
}

/** The compose links within `max` (Slack: 2,000; Discord: 512); `eml` when Gmail's or Outlook's did not fit. */
export function handoffLinks(h: Handoff, max: number): HandoffLinks {
  const cap = Math.min(max, HANDOFF_URL_MAX);
  const within = (url: string) => (url.length <= cap ? url : undefined);
  const gmail = within(gmailUrl(h));
  const outlook = within(outlookUrl(h));
  const mailto = mailtoUrl(h).length <= HANDOFF_URL_MAX ? mailtoUrl(h) : undefined;
  return { gmail, outlook, mailto, eml: gmail === undefined || outlook === undefined };
}

/** The draft's file name: "email-to-ada-lovelace-v2.eml" (ASCII, so every platform keeps it). */
export function emlFileName(recipientName: string, version: number): string {
  const slug =
    recipientName
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60) || 'recipient';
  return `email-to-${slug}${version > 1 ? `-v${version}` : ''}.eml`;
}

const CRLF = '\r\n';

/**
 * The email as an unsent draft (RFC 5322 + MIME): `X-Unsent: 1` (Outlook opens it as a draft to
 * send), `To` when known, `Subject` (RFC 2047 encoded-words when not ASCII), a UTF-8 plain-text
 * body in base64, CRLF line ends throughout.
 */
export function emlOf(h: Handoff): string {
  const headers = ['X-Unsent: 1'];
  if (h.to && PLAIN_ADDRESS.test(h.to)) headers.push(`To: ${h.to}`);
  headers.push(`Subject: ${encodeHeaderText(oneLine(h.subject), 'Subject: '.length)}`);
  headers.push('MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: base64');
  const body = Buffer.from(h.body.replace(/\r?\n/g, CRLF), 'utf8').toString('base64');
  const lines = body.match(/.{1,76}/g) ?? [];
  return `${headers.join(CRLF)}${CRLF}${CRLF}${lines.join(CRLF)}${CRLF}`;
}

/**
 * A header's text: as it is when printable ASCII (folded at spaces to keep lines near 78
 * characters), else RFC 2047 `=?UTF-8?B?…?=` words of at most 75 characters, each on its own
 * folded line, never splitting a character.
 */
export function encodeHeaderText(text: string, used: number): string {
  if (/^[\x20-\x7e]*$/.test(text)) return foldAscii(text, used);
  const words: string[] = [];
  let chunk = '';
  // 75 − "=?UTF-8?B?".length − "?=".length = 63 base64 characters: 45 bytes of UTF-8.
  for (const char of text) {
    if (Buffer.byteLength(chunk + char) > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join(`${CRLF} `);
}

function foldAscii(text: string, used: number): string {
  const lines: string[] = [];
  let line = '';
  let room = 78 - used;
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
      room = 77;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  lines.push(line);
  return lines.join(`${CRLF} `);
}

/** "To: ada@cam.ac.uk (from [2])": the recipient's address and the source that shows it. */
export function toLine(view: Pick<ResultView, 'recipientEmail'>): string | undefined {
  const found = view.recipientEmail;
  return found ? `To: ${found.address} (from [${found.source}])` : undefined;
}
