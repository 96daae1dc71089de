import { describe, expect, it } from 'vitest';
import { forEachTenant, PassStopped } from './locked-job.js';

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

  it('goes on past a tenant whose work throws anything else (bad stored data), then fails naming it and its error', async () => {
    const done: string[] = [];
    const pass = forEachTenant(tenants, async ({ id }) => {
      if (id === 'a') throw new TypeError("Cannot read properties of null (reading 'length')");
      done.push(id);
    });
    await expect(pass).rejects.toThrow("1 tenant(s) failed (a: Cannot read properties of null (reading 'length'))");
    expect(done).toEqual(['b', 'c']);
  });

  it('names failed and skipped tenants in one error', async () => {
    const pass = forEachTenant(tenants, async ({ id }) => {
      if (id === 'a') throw new Error('bad rule');
      if (id === 'c') throw new Error('CLUSTERDOWN The cluster is down');
    });
    await expect(pass).rejects.toThrow(
      '1 tenant(s) failed (a: bad rule); 1 tenant(s) skipped, Redis cannot serve them now (c): CLUSTERDOWN The cluster is down',
    );
  });

  it('stops at once on PassStopped (the lock lost)', async () => {
    const done: string[] = [];
    const pass = forEachTenant(tenants, async ({ id }) => {
      if (id === 'b') throw new PassStopped('lost the offline-detector lock');
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

describe('forEachTenant with concurrency', () => {
  const many = Array.from({ length: 10 }, (_, i) => ({ id: `t${i}` }));

  it('keeps at most `concurrency` tenants under way and does every tenant once', async () => {
    let running = 0;
    let most = 0;
    const done: string[] = [];
    await forEachTenant(
      many,
      async ({ id }) => {
        most = Math.max(most, ++running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        done.push(id);
      },
      { concurrency: 3 },
    );
    expect(most).toBe(3);
    expect(done.sort()).toEqual(many.map((t) => t.id).sort());
  });

  it('starts no tenant after PassStopped, lets those under way finish, and throws it', async () => {
    const started: string[] = [];
    const finished: string[] = [];
    const pass = forEachTenant(
      many,
      async ({ id }) => {
        started.push(id);
        if (id === 't1') throw new PassStopped('lost the lock');
        await new Promise((r) => setTimeout(r, 5));
        finished.push(id);
      },
      { concurrency: 2 },
    );
    await expect(pass).rejects.toThrow('lost the lock');
    expect(started).toEqual(['t0', 't1']);
    expect(finished).toEqual(['t0']);
  });
});
