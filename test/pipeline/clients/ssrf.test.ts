import { describe, expect, it } from 'vitest';
import { createUrlGuard, isPublicAddress } from '../../../src/pipeline/clients/ssrf.ts';

const names: Record<string, string[]> = {
  'uni.example': ['93.184.216.34'],
  'sneaky.example': ['93.184.216.34', '10.0.0.5'],
  'metadata.example': ['169.254.169.254'],
  'v6local.example': ['::1'],
};
const guard = createUrlGuard({
  allowHosts: ['allowed.test', '127.0.0.1'],
  lookup: async (host) => {
    const found = names[host] ?? (host === 'allowed.test' ? ['127.0.0.1'] : undefined);
    if (!found) throw new Error('ENOTFOUND');
    return found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  },
});
const refusal = (url: string) =>
  guard.resolve(url).then(
    () => 'allowed',
    (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
  );

describe('URL guard', () => {
  it.each([
    ['127.0.0.1', false],
    ['10.1.2.3', false],
    ['172.20.0.1', false],
    ['192.168.1.1', false],
    ['169.254.169.254', false],
    ['100.64.0.1', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['172.31.255.255', false],
    ['100.127.255.254', false],
    ['198.18.0.1', false],
    ['255.255.255.255', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['fd00::1', false],
    ['fc00::1', false],
    ['ff02::1', false],
    ['::ffff:127.0.0.1', false],
    ['::ffff:10.0.0.1', false],
    ['::ffff:7f00:1', false],
    ['0:0:0:0:0:ffff:a9fe:a9fe', false],
    ['::127.0.0.1', false],
    ['2002:7f00:1::', false],
    ['64:ff9b::a00:1', false],
    ['93.184.216.34', true],
    ['172.32.0.1', true],
    ['100.128.0.1', true],
    ['2606:4700::6810:85e5', true],
    ['::ffff:93.184.216.34', true],
    ['not an address', false],
  ])('%s is public: %s', (ip, expected) => expect(isPublicAddress(ip)).toBe(expected));

  it('allows public hosts and connects to the address it checked', async () => {
    await expect(guard.resolve('https://uni.example/~ada')).resolves.toMatchObject({
      address: '93.184.216.34',
      family: 4,
    });
  });

  it.each([
    ['http://127.0.0.2:8080/', 'page_refused'],
    ['http://10.0.0.8/', 'page_refused'],
    ['http://169.254.169.254/latest/meta-data/', 'page_refused'],
    ['http://[::1]/', 'page_refused'],
    ['http://[::ffff:127.0.0.1]/', 'page_refused'],
    ['http://metadata.example/', 'page_refused'],
    ['http://v6local.example/', 'page_refused'],
    ['http://sneaky.example/', 'page_refused'],
    ['http://167772161/', 'page_refused'], // 10.0.0.1 written as one number
    ['http://0xa9.0xfe.0xa9.0xfe/', 'page_refused'], // 169.254.169.254 in hex
    ['http://[0:0:0:0:0:ffff:7f00:1]/', 'page_refused'],
    ['http://0.0.0.0:3000/', 'page_refused'],
    ['file:///etc/passwd', 'page_refused'],
    ['ftp://uni.example/', 'page_refused'],
    ['javascript:alert(1)', 'page_refused'],
    ['http://user:pw@uni.example/', 'page_refused'],
    ['not a url', 'page_refused'],
  ])('refuses %s', async (url, code) => {
    expect(await refusal(url)).toMatch(new RegExp(`^${code}: `));
  });

  it('check() passes public URLs and refuses the rest, like resolve()', async () => {
    await expect(guard.check('https://uni.example/')).resolves.toBeUndefined();
    await expect(guard.check('http://metadata.example/')).rejects.toMatchObject({ code: 'page_refused' });
  });

  it('never repeats credentials in its messages', async () => {
    expect(await refusal('http://admin:hunter2@uni.example/x')).toBe(
      'page_refused: http://uni.example/x was not read: links with credentials are not read',
    );
  });

  it('names the private address in the refusal', async () => {
    expect(await refusal('http://metadata.example/x')).toBe(
      'page_refused: http://metadata.example/x was not read: it points to a private or local address (169.254.169.254)',
    );
  });

  it('lets allow-listed hosts through although they are private', async () => {
    await expect(guard.resolve('http://127.0.0.1:9999/page')).resolves.toMatchObject({ address: '127.0.0.1' });
    await expect(guard.resolve('http://allowed.test/')).resolves.toMatchObject({ address: '127.0.0.1' });
  });

  it('says when a host name does not resolve', async () => {
    expect(await refusal('http://nowhere.example/')).toBe(
      'page_failed: http://nowhere.example/ could not be read: its host name does not resolve',
    );
  });
});
