/**
 * A small, strict reader of the `.eml` drafts Scribe writes (issue 22), for tests: every line ends
 * in CRLF (a bare LF or CR fails), headers are unfolded (RFC 5322 §2.2.3), `=?UTF-8?B|Q?…?=` words
 * decoded (RFC 2047), no header line over 998 characters, and the body decoded by its
 * Content-Transfer-Encoding (base64, quoted-printable, 7bit/8bit) with its charset (UTF-8 only).
 */

export interface ParsedEml {
  /** Header names lower-cased; values unfolded and decoded. */
  headers: Map<string, string>;
  /** The body as text, line ends LF. */
  body: string;
}

function decodeWords(value: string): string {
  // Whitespace between two encoded words is not part of the text (RFC 2047 §6.2).
  return value
    .replace(/(\?=)\s+(=\?)/g, '$1$2')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, enc: string, text: string) => {
      if (charset.toLowerCase() !== 'utf-8') throw new Error(`unexpected charset ${charset}`);
      const bytes =
        enc.toUpperCase() === 'B'
          ? Buffer.from(text, 'base64')
          : Buffer.from(
              text
                .replace(/_/g, ' ')
                .replace(/=([0-9A-F]{2})/gi, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
              'latin1',
            );
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    });
}

/** Parses an `.eml`; throws on anything a strict reader would refuse. */
export function parseEml(raw: string | Buffer): ParsedEml {
  const text = typeof raw === 'string' ? raw : raw.toString('latin1');
  if (/[^\r]\n|\r[^\n]|^\n/.test(text)) throw new Error('a line does not end in CRLF');
  if ([...text].some((c) => c.charCodeAt(0) > 0x7f)) throw new Error('8-bit data in a message that declares none');
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error('no blank line after the headers');
  const headerLines = text.slice(0, split).split('\r\n');
  const headers = new Map<string, string>();
  const fields: [string, string][] = [];
  for (const line of headerLines) {
    if (line.length > 998) throw new Error('a header line over 998 characters');
    const last = fields.at(-1);
    if (/^[ \t]/.test(line)) {
      if (!last) throw new Error('a continuation line before any header');
      last[1] += line; // unfolding removes only the CRLF
      continue;
    }
    const match = /^([!-9;-~]+):[ \t]?(.*)$/.exec(line);
    if (!match) throw new Error(`not a header line: ${line}`);
    fields.push([match[1]!.toLowerCase(), match[2]!]);
  }
  for (const [name, value] of fields) {
    if (headers.has(name)) throw new Error(`header ${name} twice`);
    headers.set(name, decodeWords(value));
  }
  const type = headers.get('content-type') ?? 'text/plain; charset=us-ascii';
  if (!/^text\/plain\b/i.test(type)) throw new Error(`not text/plain: ${type}`);
  const charset = /charset="?([^";]+)"?/i.exec(type)?.[1]?.toLowerCase() ?? 'us-ascii';
  if (charset !== 'utf-8' && charset !== 'us-ascii') throw new Error(`unexpected charset ${charset}`);
  const encoding = (headers.get('content-transfer-encoding') ?? '7bit').toLowerCase();
  const rawBody = text.slice(split + 4);
  let bytes: Buffer;
  if (encoding === 'base64') {
    const b64 = rawBody.replace(/\r\n/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new Error('invalid base64 body');
    for (const line of rawBody.split('\r\n')) if (line.length > 76) throw new Error('a base64 line over 76 characters');
    bytes = Buffer.from(b64, 'base64');
  } else if (encoding === 'quoted-printable') {
    bytes = Buffer.from(
      rawBody
        .replace(/=\r\n/g, '')
        .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
      'latin1',
    );
  } else bytes = Buffer.from(rawBody, 'latin1');
  const body = new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/\r\n/g, '\n');
  return { headers, body: body.replace(/\n$/, '') };
}
