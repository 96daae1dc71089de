import { createHash } from 'node:crypto';
import type { Request } from 'express';

export function keyTracker(req: Record<string, unknown>): string {
  const r = req as unknown as Request;
  const header = r.headers?.authorization;
  if (typeof header === 'string' && header.length > 7)
    return `k:${createHash('sha256').update(header).digest('hex').slice(0, 32)}`;
  return `a:${addressTracker(String(r.ip))}`;
}

/**
 * The address a limit counts against: IPv4 as is, IPv6 by its /64 (one host usually holds a whole
 * /64, so per-address limits on full IPv6 addresses bound nothing). `req.ip` is the client's own
 * address, or the one forwarded by a proxy listed in TRUST_PROXY.
 */
export function addressTracker(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1];
  if (!ip.includes(':') || ip.length > 64) return ip.slice(0, 64);
  const [head, tail = ''] = ip.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
