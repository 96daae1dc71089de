import { lookup } from 'node:dns/promises';
import { withTimeout } from '../common/with-timeout.js';
import { BlockList, isIP } from 'node:net';

/**
 * Which addresses tenant-supplied targets (alert channels, event subscriptions) may reach.
 * Loopback, private, link-local, site-local, carrier-grade NAT, multicast, reserved and
 * cloud-metadata ranges are refused (SSRF). Node's BlockList does the range arithmetic.
 *
 * IPv6 forms that carry an IPv4 address: IPv4-mapped (`::ffff:0:0/96`) and NAT64's well-known
 * prefix (`64:ff9b::/96`) are judged by the IPv4 address they embed (the connection reaches
 * that address). The ranges that tunnel to IPv4 in ways this host cannot judge are refused
 * whole, public embedded address or not: IPv4-compatible (`::/96`, deprecated), IPv4-translated
 * (`::ffff:0:0:0/96`), NAT64 local-use (`64:ff9b:1::/48`, a network's own translator), 6to4
 * (`2002::/16`, relays deprecated by RFC 7526) and Teredo (`2001::/32`).
 */
const blocked = new BlockList();
for (const [net, prefix] of [
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
  blocked.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 96],
  ['::ffff:0:0:0', 96],
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
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** The eight 16-bit groups of a valid IPv6 literal (zone index dropped, a dotted tail split). */
function groupsOf(address: string): number[] {
  const plain = address.split('%')[0];
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(plain);
  const hex = dotted
    ? `${plain.slice(0, dotted.index)}${((+dotted[1] << 8) | +dotted[2]).toString(16)}:${((+dotted[3] << 8) | +dotted[4]).toString(16)}`
    : plain;
  const [head, tail] = hex.split('::');
  const part = (p: string | undefined) => (p ? p.split(':').map((g) => parseInt(g, 16)) : []);
  const front = part(head);
  const back = part(tail);
  return tail === undefined ? front : [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** The IPv4 address an IPv4-mapped or NAT64 well-known-prefix address reaches; null for other IPv6. */
function embeddedIPv4(g: number[]): string | null {
  const mapped = g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff;
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !nat64) return null;
  return `${g[6] >> 8}.${g[6] & 255}.${g[7] >> 8}.${g[7] & 255}`;
}

/** True when the literal address is public (may be a target). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family !== 6) return false;
  const groups = groupsOf(address);
  const v4 = embeddedIPv4(groups);
  if (v4 !== null) return isPublicAddress(v4);
  return !blocked.check(groups.map((x) => x.toString(16)).join(':'), 'ipv6');
}

/**
 * Host names that are numbers in disguise (`2130706433`, `0x7f.1`, `0177.0.0.1`) are what the
 * URL parser normalises: `new URL('http://2130706433/').hostname` is `127.0.0.1`.
 */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '');
}

export class TargetNotAllowedError extends Error {}

export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

/** How long a target's DNS lookup may take before it counts as not resolving. */
const DNS_TIMEOUT_MS = 5000;

const systemResolver: Resolver = (hostname) => lookup(hostname, { all: true, verbatim: true });

/**
 * Checks a tenant-supplied URL: https only, and every address its host resolves to must be public
 * (unless private targets are allowed). Called when a channel is saved and again before each send
 * (a DNS answer can change between the two).
 */
export async function assertAllowedTarget(
  raw: string,
  allowPrivate: boolean,
  resolve: Resolver = systemResolver,
  timeoutMs = DNS_TIMEOUT_MS,
): Promise<URL> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new TargetNotAllowedError('is not a URL');
  }
  if (url.username || url.password) throw new TargetNotAllowedError('must not carry credentials');
  if (allowPrivate) {
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TargetNotAllowedError('must be http(s)');
    return url;
  }
  if (url.protocol !== 'https:') throw new TargetNotAllowedError('must be https');
  const host = hostOf(url);
  // getaddrinfo cannot be cancelled, but the caller (an API request, a delivery) stops waiting.
  const addresses = isIP(host)
    ? [host]
    : (await withTimeout(resolve(host), timeoutMs, 'no DNS answer').catch(() => [])).map((a) => a.address);
  if (addresses.length === 0) throw new TargetNotAllowedError('does not resolve');
  if (!addresses.every(isPublicAddress))
    throw new TargetNotAllowedError('resolves to a private, loopback or reserved address');
  return url;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/**
 * A socket `lookup` that resolves once and checks what it connects to: every address must be
 * public (unless private targets are allowed), and the connection goes to the address that was
 * checked. Checking a name and then letting the HTTP client resolve it again lets a rebinding
 * name (public for the check, private for the connect) through; this leaves no second answer.
 */
export function pinnedLookup(allowPrivate: boolean, resolve: Resolver = systemResolver) {
  return (hostname: string, options: { all?: boolean } | undefined, callback: LookupCallback): void => {
    resolve(hostname)
      .then((found) => {
        if (found.length === 0) throw new TargetNotAllowedError('does not resolve');
        if (!allowPrivate && !found.every((a) => isPublicAddress(a.address)))
          throw new TargetNotAllowedError('resolves to a private, loopback or reserved address');
        if (options?.all) callback(null, found);
        else callback(null, found[0].address, found[0].family);
      })
      .catch((err: Error) =>
        callback(
          Object.assign(err, { code: err instanceof TargetNotAllowedError ? 'ETARGETREFUSED' : 'ENOTFOUND' }),
          '',
        ),
      );
  };
}
