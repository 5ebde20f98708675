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
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(range, prefix, 'ipv4');
}
for (const [range, prefix] of [
  // IPv4-mapped addresses (::ffff:0:0/96) are judged by their IPv4 part in isPublicAddress: a rule for
  // them here would also match every plain IPv4 address (BlockList maps IPv4 into that range).
  // ::/96 covers ::, ::1 and the deprecated IPv4-compatible form (::127.0.0.1); NAT64, Teredo and
  // 6to4 embed IPv4 addresses that could lead back inside, so they go too.
  ['::', 96],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 32],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(range, prefix, 'ipv6');
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (::ffff:a.b.c.d, in any spelling), if any. */
function mappedIpv4(ip: string): string | undefined {
  let head = ip.toLowerCase();
  let tail: number[] = [];
  const dotted = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(head);
  if (dotted) {
    head = `${dotted[1]}0:0`;
    tail = dotted[2]!.split('.').map(Number);
  }
  const [left = '', right] = head.split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const l = groups(left);
  const r = right === undefined ? [] : groups(right);
  const all = right === undefined ? l : [...l, ...Array<string>(8 - l.length - r.length).fill('0'), ...r];
  if (all.length !== 8) return undefined;
  const words = all.map((g) => Number.parseInt(g, 16));
  if (words.slice(0, 5).some((w) => w !== 0) || words[5] !== 0xffff) return undefined;
  const [hi = 0, lo = 0] = words.slice(6);
  return (tail.length === 4 ? tail : [hi >> 8, hi & 255, lo >> 8, lo & 255]).join('.');
}

/** True when `ip` is a public unicast address (not loopback, private, link-local, reserved, …). */
export function isPublicAddress(ip: string): boolean {
  const family = net.isIP(ip);
  if (family === 0) return false;
  if (family === 6) {
    const v4 = mappedIpv4(ip);
    if (v4 !== undefined) return isPublicAddress(v4);
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
  /** Checks a URL; throws `page_refused` when not allowed (`page_failed` when its host does not resolve). */
  check(url: string | URL): Promise<void>;
  /** True when the host is on the allow-list (tests: 127.0.0.1). */
  allowed(hostname: string): boolean;
}

/**
 * The SSRF guard for scraped URLs. `allowHosts` are exact host names (or literal addresses) that
 * skip the address check (tests: 127.0.0.1); `lookup` replaces DNS (tests).
 */
export function createUrlGuard(options: { allowHosts: readonly string[]; lookup?: Lookup | undefined }): UrlGuard {
  const allow = new Set(options.allowHosts.map((h) => h.toLowerCase()));
  const lookup: Lookup = options.lookup ?? ((host) => dns.lookup(host, { all: true, verbatim: true }));
  const refuse = (url: string, why: string) => new PermanentError(ErrorCode.PageRefused, `${url} was not read: ${why}`);

  const guard: UrlGuard = {
    allowed: (hostname) => allow.has(stripBrackets(hostname).toLowerCase()),
    async check(input) {
      await guard.resolve(input);
    },
    async resolve(input) {
      let url: URL;
      try {
        url = new URL(input);
      } catch {
        throw refuse(String(input), 'not a valid URL');
      }
      // Never repeat credentials in a message: it ends up in logs and in the chat thread.
      const shown = url.username || url.password ? withoutCredentials(url) : url.toString();
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw refuse(shown, `${url.protocol} links are not read`);
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
      if (addresses.length === 0)
        throw new PermanentError(ErrorCode.PageFailed, `${shown} could not be read: no address`);
      if (!allow.has(host)) {
        const bad = addresses.find((a) => !isPublicAddress(a.address));
        if (bad) throw refuse(shown, `it points to a private or local address (${bad.address})`);
      }
      const first = addresses[0]!;
      return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
    },
  };
  return guard;
}

function withoutCredentials(url: URL): string {
  const copy = new URL(url);
  copy.username = '';
  copy.password = '';
  return copy.toString();
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
