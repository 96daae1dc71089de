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
