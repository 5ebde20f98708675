/**
 * The URL rule spans are exported with: tokens in paths masked, no query, no fragment, no
 * user:password; ids, slugs and API method names kept so a trace stays readable.
 */
import { describe, expect, it } from 'vitest';
import { redactAttributes, redactPath, redactText, redactUrl } from '../../src/telemetry/redact-urls.ts';

const DISCORD_TOKEN = `aW50ZXJhY3Rpb246${'Zm9vYmFy'.repeat(12)}`;

describe('redactUrl', () => {
  it.each([
    // Discord: interaction callbacks and the interaction webhook (follow-ups, @original edits).
    [
      `https://discord.com/api/v10/interactions/1234567890123/${DISCORD_TOKEN}/callback?with_response=true`,
      'https://discord.com/api/v10/interactions/1234567890123/REDACTED/callback',
    ],
    [
      `https://discord.com/api/v10/webhooks/987654321/${DISCORD_TOKEN}/messages/@original`,
      'https://discord.com/api/v10/webhooks/987654321/REDACTED/messages/@original',
    ],
    // Slack: response URLs and incoming webhooks, whose last segments are the token.
    [
      'https://hooks.slack.com/commands/T0001/1234567890/yYGqLtL1AkV9Y4lUtGcJnRk8',
      'https://hooks.slack.com/commands/T0001/1234567890/REDACTED',
    ],
    [
      'https://hooks.slack.com/actions/T0001/1234567890/abcdef',
      'https://hooks.slack.com/actions/T0001/1234567890/REDACTED',
    ],
    ['https://hooks.slack.com/services/T0/B0/XXXXXXXX', 'https://hooks.slack.com/services/T0/B0/REDACTED'],
    // arXiv: the recipient's name is in the query string.
    [
      'https://export.arxiv.org/api/query?search_query=au%3A%22Ada%20Lovelace%22&max_results=10',
      'https://export.arxiv.org/api/query',
    ],
    // Readable things stay: Web API methods, snowflakes, slugs, ports.
    ['http://127.0.0.1:4100/api/chat.postMessage', 'http://127.0.0.1:4100/api/chat.postMessage'],
    [
      'https://discord.com/api/v10/channels/1234567890/messages/987654321',
      'https://discord.com/api/v10/channels/1234567890/messages/987654321',
    ],
    [
      'https://example.org/blog/how-to-write-to-a-professor-about-analytical-engines-2024#top',
      'https://example.org/blog/how-to-write-to-a-professor-about-analytical-engines-2024',
    ],
    // Anything else that looks like a token, and credentials in the authority.
    [`https://example.org/files/${'Ab1'.repeat(12)}/x.pdf`, 'https://example.org/files/REDACTED/x.pdf'],
    ['postgres://scribe:hunter2@db:5432/scribe?sslmode=require', 'postgres://db:5432/scribe'],
  ])('%s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected);
  });

  it('does not mask a Slack-like path that is not at the root', () => {
    expect(redactPath('/docs/commands/a/b/c')).toBe('/docs/commands/a/b/c');
  });
});

describe('redactAttributes', () => {
  it('rewrites URL and path attributes, drops query attributes, and redacts URLs inside other text', () => {
    const out = redactAttributes({
      'url.full': `https://discord.com/api/v10/webhooks/1/${DISCORD_TOKEN}?wait=true`,
      'http.url': 'https://export.arxiv.org/api/query?search_query=Lovelace',
      'url.path': `/api/v10/interactions/1/${DISCORD_TOKEN}/callback`,
      'http.target': '/api/query?search_query=Lovelace',
      'url.query': 'search_query=Lovelace',
      'url.fragment': 'x',
      'server.address': 'discord.com',
      'http.response.status_code': 404,
      'exception.message': `Request failed: POST https://hooks.slack.com/commands/T1/2/s3cret?x=Lovelace (404)`,
    });
    expect(out).toEqual({
      'url.full': 'https://discord.com/api/v10/webhooks/1/REDACTED',
      'http.url': 'https://export.arxiv.org/api/query',
      'url.path': '/api/v10/interactions/1/REDACTED/callback',
      'http.target': '/api/query',
      'server.address': 'discord.com',
      'http.response.status_code': 404,
      'exception.message': 'Request failed: POST https://hooks.slack.com/commands/T1/2/REDACTED (404)',
    });
  });

  it('leaves text without URLs as it is', () => {
    expect(redactText('SELECT 1 FROM generations WHERE id = $1')).toBe('SELECT 1 FROM generations WHERE id = $1');
  });
});
