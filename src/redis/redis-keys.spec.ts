import { describe, expect, it } from 'vitest';
import { RedisKeys } from './redis-keys.js';

describe('RedisKeys', () => {
  const keys = new RedisKeys('pulse');

  it("puts every tenant key behind the tenant's hash tag", () => {
    const tenantKeys = [
      keys.tenant('acme'),
      keys.tenantApiKeys('acme'),
      keys.client('acme', 'c1'),
      keys.detection('acme'),
      ...Object.values(keys.alertQueue('acme')),
    ];
    for (const key of tenantKeys) {
      expect(key.startsWith('pulse:{t:acme}:')).toBe(true);
      // Redis Cluster hashes only the text between the first { and the next }.
      expect(key.slice(key.indexOf('{') + 1, key.indexOf('}'))).toBe('t:acme');
    }
    expect(new Set(tenantKeys).size).toBe(tenantKeys.length);
  });

  it('keeps tenants apart: no key of one tenant is a prefix match of another', () => {
    expect(keys.tenant('acme').startsWith(keys.tenantScope('ac'))).toBe(false);
  });

  it('global keys carry the prefix', () => {
    expect(keys.tenants()).toBe('pulse:tenants');
    expect(keys.apiKey('ab12')).toBe('pulse:apikey:ab12');
    expect(new RedisKeys('other').tenants()).toBe('other:tenants');
    expect(keys.alertQueuesDue()).toBe('pulse:alert:due');
  });
});
