/**
 * Slack's request signature, checked before Bolt (src/bots/slack/verify.ts): the same answers as
 * Slack's documented check (and Bolt's), for the headers and bodies Slack sends and for forgeries.
 */
import type http from 'node:http';
import { describe, expect, it } from 'vitest';
import { slackRequestVerifier, MAX_SKEW_S } from '../../../src/bots/slack/verify.ts';
import { slackSignature } from '../../fakes/slack/driver.ts';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const NOW_S = 1_765_000_000;
const verify = slackRequestVerifier(SECRET, () => NOW_S * 1000);
const FORM = 'application/x-www-form-urlencoded';

function signed(body: string, opts: { secret?: string; timestamp?: number } = {}): http.IncomingHttpHeaders {
  const timestamp = opts.timestamp ?? NOW_S;
  return {
    'content-type': FORM,
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': slackSignature(opts.secret ?? SECRET, timestamp, body),
  };
}

describe('Slack request signatures', () => {
  const body = 'token=x&team_id=T0&user_id=U0ADA&command=%2Fscribe&text=help&trigger_id=1.2.3';

  it('takes a request signed with the secret, and hands on its body as sent', () => {
    const verdict = verify(signed(body), Buffer.from(body));
    expect(verdict).toEqual({ ok: true, body: Buffer.from(body) });
  });

  it('signs the body’s bytes: a body with non-ASCII text checks as Slack signed it', () => {
    const text = `payload=${encodeURIComponent(JSON.stringify({ type: 'view_submission', note: 'Grüße — 李' }))}`;
    const raw = `${text}&x=Grüße`;
    expect(verify(signed(raw), Buffer.from(raw, 'utf8')).ok).toBe(true);
  });

  it('refuses another secret, a changed body, a missing header, a non-v0 or malformed signature', () => {
    expect(verify(signed(body, { secret: `${SECRET}-wrong` }), Buffer.from(body))).toEqual({
      ok: false,
      reason: 'signature mismatch',
    });
    expect(verify(signed(body), Buffer.from(`${body}&text=history`)).ok).toBe(false);
    const { 'x-slack-signature': _s, ...noSignature } = signed(body);
    expect(verify(noSignature, Buffer.from(body)).ok).toBe(false);
    const { 'x-slack-request-timestamp': _t, ...noTimestamp } = signed(body);
    expect(verify(noTimestamp, Buffer.from(body)).ok).toBe(false);
    const good = String(signed(body)['x-slack-signature']);
    for (const signature of [good.replace('v0=', 'v1='), good.slice(0, -2), `${good}00`, good.replace(/.$/, 'g'), ''])
      expect(verify({ ...signed(body), 'x-slack-signature': signature }, Buffer.from(body)).ok).toBe(false);
    expect(verify({ ...signed(body), 'x-slack-request-timestamp': '12e9' }, Buffer.from(body)).ok).toBe(false);
  });

  it('takes an upper-case hex digest (hex is hex)', () => {
    const headers = signed(body);
    const upper = `v0=${String(headers['x-slack-signature']).slice(3).toUpperCase()}`;
    expect(verify({ ...headers, 'x-slack-signature': upper }, Buffer.from(body)).ok).toBe(true);
  });

  it('refuses a timestamp more than 5 minutes from the clock, either way, even when signed', () => {
    for (const skew of [MAX_SKEW_S + 1, -(MAX_SKEW_S + 1)])
      expect(verify(signed(body, { timestamp: NOW_S - skew }), Buffer.from(body))).toMatchObject({ ok: false });
    for (const skew of [MAX_SKEW_S, -MAX_SKEW_S])
      expect(verify(signed(body, { timestamp: NOW_S - skew }), Buffer.from(body)).ok).toBe(true);
  });

  it('lets Slack’s unsigned ssl_check through as `ssl_check=1` only: nothing smuggled with it is read', () => {
    const smuggled = `ssl_check=1&payload=${encodeURIComponent('{"type":"view_submission"}')}`;
    expect(verify({ 'content-type': FORM }, Buffer.from(smuggled))).toEqual({
      ok: true,
      body: Buffer.from('ssl_check=1'),
    });
    // Not a form post, or ssl_check not 1: a signature is needed.
    expect(verify({ 'content-type': 'application/json' }, Buffer.from('{"ssl_check":"1"}')).ok).toBe(false);
    expect(verify({ 'content-type': FORM }, Buffer.from('ssl_check=0&command=%2Fscribe')).ok).toBe(false);
  });
});
