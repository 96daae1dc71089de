import { describe, expect, it } from 'vitest';
import { assertAllowedTarget, hostOf, isPublicAddress, type Resolver } from './address-policy.js';

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, CGNAT, metadata, multicast and reserved IPv4', () => {
    for (const a of [
      '127.0.0.1',
      '127.255.255.254',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '192.0.2.5',
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });
  it('accepts public IPv4', () => {
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '93.184.216.34']) expect(isPublicAddress(a), a).toBe(true);
  });
  it('handles IPv6, unique-local, link-local and IPv4-mapped forms', () => {
    for (const a of [
      '::1',
      '::',
      'fe80::1',
      'fd12:3456::1',
      'fc00::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:a9fe:a9fe',
      '2001:db8::1',
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    for (const a of ['2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(a), a).toBe(true);
  });
  it('judges the IPv4 address an IPv6 form embeds, or refuses ranges that tunnel to IPv4', () => {
    for (const a of [
      // IPv4-compatible ::/96 (deprecated): refused whole, public or not
      '::7f00:1',
      '::127.0.0.1',
      '::a00:1',
      '::808:808',
      '0:0:0:0:0:0:7f00:1',
      // IPv4-mapped in its long and hex forms: judged by the embedded address
      '0:0:0:0:0:ffff:7f00:1',
      '::ffff:0a00:0001',
      // IPv4-translated ::ffff:0:0/96 (SIIT): refused whole
      '::ffff:0:7f00:1',
      '::ffff:0:808:808',
      // NAT64 well-known 64:ff9b::/96: judged by the embedded address
      '64:ff9b::7f00:1',
      '64:ff9b::10.0.0.1',
      '64:ff9b::a9fe:a9fe',
      // NAT64 local-use 64:ff9b:1::/48: refused whole
      '64:ff9b:1::808:808',
      '64:ff9b:1:ffff::1',
      // 6to4 2002::/16 (deprecated relays): refused whole
      '2002:7f00:1::1',
      '2002:808:808::1',
      // Teredo 2001::/32: refused whole
      '2001:0:4136:e378:8000:63bf:3fff:fdd2',
      // site-local fec0::/10 (deprecated)
      'fec0::1',
      'feff::1',
      // a zone index does not hide link-local
      'fe80::1%eth0',
    ]) {
      expect(isPublicAddress(a), a).toBe(false);
    }
    for (const a of ['64:ff9b::808:808', '64:ff9b::8.8.8.8', '0:0:0:0:0:ffff:808:808', '2003::1', '2001:4860::8888'])
      expect(isPublicAddress(a), a).toBe(true);
  });
  it('refuses IPv4-compatible and NAT64 local-use literals in a URL and in a DNS answer', async () => {
    await expect(assertAllowedTarget('https://[::7f00:1]/x', false)).rejects.toThrow(/private/);
    await expect(assertAllowedTarget('https://[64:ff9b:1::a00:1]/x', false)).rejects.toThrow(/private/);
    const rebinding: Resolver = () => Promise.resolve([{ address: '::127.0.0.1', family: 6 }]);
    await expect(assertAllowedTarget('https://hooks.example.com/x', false, rebinding)).rejects.toThrow(/private/);
  });
  it('refuses what is not an address', () => {
    expect(isPublicAddress('localhost')).toBe(false);
    expect(isPublicAddress('')).toBe(false);
  });
  it('decimal, hex and octal host forms normalise to the address they mean', () => {
    expect(hostOf(new URL('https://2130706433/'))).toBe('127.0.0.1');
    expect(hostOf(new URL('https://0x7f.0.0.1/'))).toBe('127.0.0.1');
    expect(hostOf(new URL('https://0177.0.0.1/'))).toBe('127.0.0.1');
    expect(hostOf(new URL('https://[::1]/'))).toBe('::1');
    expect(isPublicAddress(hostOf(new URL('https://2130706433/')))).toBe(false);
  });
});

describe('assertAllowedTarget', () => {
  it('requires https and a public address unless private targets are allowed', async () => {
    await expect(assertAllowedTarget('http://8.8.8.8/hook', false)).rejects.toThrow(/https/);
    await expect(assertAllowedTarget('https://127.0.0.1/hook', false)).rejects.toThrow(/private/);
    await expect(assertAllowedTarget('https://[::ffff:10.0.0.1]/x', false)).rejects.toThrow(/private/);
    await expect(assertAllowedTarget('https://localhost/x', false)).rejects.toThrow(/private|resolve/);
    await expect(assertAllowedTarget('https://user:pw@8.8.8.8/x', false)).rejects.toThrow(/credentials/);
    await expect(assertAllowedTarget('not a url', false)).rejects.toThrow(/URL/);
    await expect(assertAllowedTarget('https://8.8.8.8/hook', false)).resolves.toBeInstanceOf(URL);
    await expect(assertAllowedTarget('http://127.0.0.1:9/hook', true)).resolves.toBeInstanceOf(URL);
    await expect(assertAllowedTarget('ftp://127.0.0.1/x', true)).rejects.toThrow(/http/);
  });
});

describe('assertAllowedTarget deadline', () => {
  it('a DNS lookup that never answers is refused at the deadline, not waited for', async () => {
    const silent: Resolver = () => new Promise(() => undefined);
    const started = Date.now();
    await expect(assertAllowedTarget('https://hooks.example.com/x', false, silent, 200)).rejects.toThrow(
      /does not resolve/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
