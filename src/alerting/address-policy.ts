import { lookup } from 'node:dns/promises';
import { withTimeout } from '../common/with-timeout.js';
import { BlockList, isIP } from 'node:net';

/**
 * Which addresses tenant-supplied alert targets may reach. Loopback, private, link-local,
 * carrier-grade NAT, multicast, reserved and cloud-metadata ranges are refused (SSRF), for IPv4,
 * IPv6 and IPv4-mapped IPv6 alike. Node's BlockList does the range arithmetic.
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
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, prefix, 'ipv6');
}

/** True when the literal address is public (may be an alert target). */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return !blocked.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return isPublicAddress(mapped[1]);
    const hexMapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
    if (hexMapped) {
      const hi = parseInt(hexMapped[1], 16);
      const lo = parseInt(hexMapped[2], 16);
      return isPublicAddress(`${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`);
    }
    return !blocked.check(address, 'ipv6');
  }
  return false;
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
