/**
 * The guard every scraped URL passes before any request: http(s) only, no credentials, and the
 * host must resolve to public addresses only — loopback, private, link-local (cloud metadata at
 * 169.254.169.254), CGNAT, multicast and reserved ranges are refused, IPv4 and IPv6 alike
 * (IPv4-mapped IPv6 included). Hosts listed in SCRAPE_ALLOW_HOSTS bypass the address check.
 *
 * `resolve` returns the address to connect to, so the caller connects to exactly the address that
 * was checked (no second DNS answer can point elsewhere: DNS rebinding).
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { ErrorCode, PermanentError } from '../../errors.ts';

const blocked = new net.BlockList();
for (const [range, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
  ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.88.99.0', 24], ['192.168.0.0', 16],
  ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(range, prefix, 'ipv4');
}
for (const [range, prefix] of [
  // IPv4-mapped addresses (::ffff:0:0/96) are judged by their IPv4 part in isPublicAddress: a rule for
  // them here would also match every plain IPv4 address (BlockList maps IPv4 into that range).
  ['::', 128], ['::1', 128], ['64:ff9b::', 96], ['100::', 64], ['2001::', 32],
  ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
] as const) {
  blocked.addSubnet(range, prefix, 'ipv6');
}

/** True when `ip` is a public unicast address. */
export function isPublicAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 0) return false;
  if (family === 6) {
    // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible forms: judge the embedded IPv4 address.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped?.[1]) return isPublicAddress(mapped[1]);
    const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(ip);
    if (hex?.[1] && hex[2]) {
      const high = Number.parseInt(hex[1], 16);
      const low = Number.parseInt(hex[2], 16);
      return isPublicAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
    }
    return !blocked.check(ip, 'ipv6');
  }
  return !blocked.check(ip, 'ipv4');
}

export interface ResolvedTarget {
  url: URL;
  /** Where to connect. */
  address: string;
  family: 4 | 6;
}

export type Lookup = (hostname: string) => Promise<{ address: string; family: number }[]>;

export interface UrlGuard {
  /** Checks a URL and picks the address to connect to; throws `page_refused` when not allowed. */
  resolve(url: string | URL): Promise<ResolvedTarget>;
  /** True when the host is on the allow-list (tests: 127.0.0.1). */
  allowed(hostname: string): boolean;
}

export function createUrlGuard(options: { allowHosts: readonly string[]; lookup?: Lookup }): UrlGuard {
  const allow = new Set(options.allowHosts.map((h) => h.toLowerCase()));
  const lookup: Lookup = options.lookup ?? ((host) => dns.lookup(host, { all: true, verbatim: true }));
  const refuse = (url: string, why: string) =>
    new PermanentError(ErrorCode.PageRefused, `${url} was not read: ${why}`);

  return {
    allowed: (hostname) => allow.has(stripBrackets(hostname).toLowerCase()),
    async resolve(input) {
      let url: URL;
      try {
        url = new URL(input);
      } catch {
        throw refuse(String(input), 'not a valid URL');
      }
      const shown = url.toString();
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse(shown, `${url.protocol} links are not read`);
      if (url.username || url.password) throw refuse(shown, 'links with credentials are not read');
      const host = stripBrackets(url.hostname).toLowerCase();
      const literal = net.isIP(host);
      let addresses: { address: string; family: number }[];
      if (literal) {
        addresses = [{ address: host, family: literal }];
      } else {
        try {
          addresses = await lookup(host);
        } catch {
          throw new PermanentError(ErrorCode.PageFailed, `${shown} could not be read: its host name does not resolve`);
        }
      }
      if (addresses.length === 0) throw new PermanentError(ErrorCode.PageFailed, `${shown} could not be read: no address`);
      if (!allow.has(host)) {
        const bad = addresses.find((a) => !isPublicAddress(a.address));
        if (bad) throw refuse(shown, `it points to a private or local address (${bad.address})`);
      }
      const first = addresses[0]!;
      return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
    },
  };
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
