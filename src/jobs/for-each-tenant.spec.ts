import { describe, expect, it } from 'vitest';
import { forEachTenant } from './locked-job.js';

const tenants = ['a', 'b', 'c'].map((id) => ({ id }));

describe('forEachTenant', () => {
  it('goes on past tenants Redis cannot serve now, then fails naming them', async () => {
    const done: string[] = [];
    const pass = forEachTenant(tenants, async ({ id }) => {
      if (id === 'b') throw new Error('CLUSTERDOWN The cluster is down');
      done.push(id);
    });
    await expect(pass).rejects.toThrow(
      '1 tenant(s) skipped, Redis cannot serve them now (b): CLUSTERDOWN The cluster is down',
    );
    expect(done).toEqual(['a', 'c']);
  });

  it('stops at once on any other error', async () => {
    const done: string[] = [];
    const pass = forEachTenant(tenants, async ({ id }) => {
      if (id === 'b') throw new Error('lost the offline-detector lock');
      done.push(id);
    });
    await expect(pass).rejects.toThrow('lost the offline-detector lock');
    expect(done).toEqual(['a']);
  });

  it('resolves when every tenant is done', async () => {
    const done: string[] = [];
    await forEachTenant(tenants, async ({ id }) => void done.push(id));
    expect(done).toEqual(['a', 'b', 'c']);
  });
});
