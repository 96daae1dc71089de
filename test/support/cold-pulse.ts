import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { ColdPartitions } from '../../src/coldstore/cold-partitions.js';
import { ArchiveJob } from '../../src/history/archive.job.js';
import { TenantDirectory } from '../../src/tenants/tenant-directory.js';
import { type CreatedTenant, createTenant } from './http.js';
import { startDynalite } from './processes.js';
import {
  deletePrefix,
  type RunningPulse,
  SHARED_REDIS,
  startPulse,
  testOptions,
  uniqueTenantId,
  waitFor,
} from './pulse-app.js';

/** A Pulse with the cold store on dynalite (started here), its hot window 48 hours, and one enterprise tenant. */
export interface ColdPulse {
  dynamo: Awaited<ReturnType<typeof startDynalite>>;
  pulse: RunningPulse;
  redis: Redis;
  tenant: CreatedTenant;
  /** The DynamoDB table. */
  table: string;
  /** The tenant incarnation's partition of the table. */
  partition: string;
  /** Archiver passes until one archives nothing more (each pass takes up to 200 periods); the items written. */
  archiveAll(): Promise<number>;
  close(): Promise<void>;
}

/** Rollup and archiver passes are run by the test (their interval is an hour). */
export async function startColdPulse(tenantName: string): Promise<ColdPulse> {
  const dynamo = await startDynalite();
  const table = `pulse-test-${Date.now()}`;
  const options = testOptions({
    rollupIntervalMs: 3_600_000,
    coldStore: {
      table,
      endpoint: dynamo.endpoint,
      createTable: true,
      hotHistoryHours: 48,
    },
  });
  const pulse = await startPulse(options);
  const redis = new Redis(SHARED_REDIS);
  const tenant = await createTenant(pulse.url, uniqueTenantId(tenantName), 'enterprise');
  await waitFor(async () => pulse.app.get(TenantDirectory).get(tenant.id) !== undefined, Boolean);
  const partition = (await pulse.app.get(ColdPartitions).of(tenant.id))!;
  return {
    dynamo,
    pulse,
    redis,
    tenant,
    table,
    partition,
    async archiveAll() {
      let total = 0;
      for (let i = 0; i < 10; i++) {
        const run = await pulse.app.get(ArchiveJob).run(Date.now());
        expect(run).not.toBeNull();
        if (run!.archived === 0) return total;
        total += run!.archived;
      }
      return total;
    },
    async close() {
      await pulse.close();
      redis.disconnect();
      await dynamo.close();
      await deletePrefix(SHARED_REDIS, pulse.options.redis.keyPrefix);
    },
  };
}
