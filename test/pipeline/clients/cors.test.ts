import { describe, expect, it } from 'vitest';
import { isCrossOrigin, isSimpleRequest } from '../../../src/pipeline/clients/cors.ts';

// What Chromium adds to a fetch() by itself (recorded from the headless shell).
const BROWSER = {
  accept: '*/*',
  origin: 'http://127.0.0.1:4000',
  referer: 'http://127.0.0.1:4000/page',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0 Safari/537.36',
  'sec-ch-ua': '"Chromium";v="156", "HeadlessChrome";v="156"',
  'sec-ch-ua-platform': '"Linux"',
  'content-length': '2',
};

describe('isSimpleRequest (the Fetch standard: no CORS preflight)', () => {
  it('lets GET, HEAD and POST with only what the browser sets through', () => {
    for (const method of ['GET', 'HEAD', 'POST', 'post']) expect(isSimpleRequest(method, BROWSER)).toBe(true);
  });

  it('refuses other methods', () => {
    for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) expect(isSimpleRequest(method, BROWSER)).toBe(false);
  });

  it('lets the three form content types through, and nothing else', () => {
    const post = (type: string) => isSimpleRequest('POST', { ...BROWSER, 'content-type': type });
    expect(post('text/plain;charset=UTF-8')).toBe(true);
    expect(post('application/x-www-form-urlencoded')).toBe(true);
    expect(post('multipart/form-data; boundary=----x')).toBe(true);
    expect(post('application/json')).toBe(false);
    expect(post('text/plain; x="a(b)"')).toBe(false); // an unsafe byte
  });

  it('refuses a header the page set that is not safelisted, and safelisted ones that are too long', () => {
    expect(isSimpleRequest('GET', { ...BROWSER, 'x-requested-with': 'XMLHttpRequest' })).toBe(false);
    expect(isSimpleRequest('GET', { ...BROWSER, Authorization: 'Bearer x' })).toBe(false);
    expect(isSimpleRequest('GET', { ...BROWSER, 'accept-language': 'en-GB,en;q=0.9' })).toBe(true);
    expect(isSimpleRequest('GET', { ...BROWSER, 'content-language': 'en/gb' })).toBe(false);
    expect(isSimpleRequest('GET', { ...BROWSER, range: 'bytes=0-99' })).toBe(true);
    expect(isSimpleRequest('GET', { ...BROWSER, range: 'bytes=0-9,20-29' })).toBe(false);
    expect(isSimpleRequest('GET', { ...BROWSER, accept: 'a'.repeat(129) })).toBe(false);
  });
});

describe('isCrossOrigin', () => {
  it("compares the Origin the browser set with the request's own", () => {
    expect(isCrossOrigin('http://127.0.0.1:4000/data', BROWSER)).toBe(false);
    expect(isCrossOrigin('http://127.0.0.1:4001/data', BROWSER)).toBe(true);
    expect(isCrossOrigin('http://127.0.0.1:4000/data', { ...BROWSER, origin: 'null' })).toBe(true);
    expect(isCrossOrigin('http://elsewhere.example/', { accept: '*/*' })).toBe(false); // no Origin: same-origin GET
  });
});
