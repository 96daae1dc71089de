import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import {
  BatchWriteCommand,
  type BatchWriteCommandInput,
  DynamoDBDocumentClient,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { Logger } from '@nestjs/common';
import type { ColdStoreOptions } from '../config/pulse-options.js';
import type { ColdItem, ColdStore, ColdStoreStatus } from './cold-store.js';

/** DynamoDB takes at most 25 writes a BatchWriteItem. */
const BATCH = 25;
const ATTEMPTS = 8;
/** A health probe's answer is reused this long, so probes cost the store at most one call per instance per 5 s. */
const PROBE_REUSE_MS = 5000;

type WriteRequest = NonNullable<BatchWriteCommandInput['RequestItems']>[string][number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The cold store on DynamoDB (or a DynamoDB-compatible server at DYNAMODB_ENDPOINT): partition
 * key `pk` = the tenant incarnation's partition (`partitionOf`), sort key `sk` = kind and time,
 * so one tenant's range of hours or days is one Query; `expiresAt` is the table's TTL attribute.
 */
export class DynamoColdStore implements ColdStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly raw: DynamoDBClient;
  private readonly logger = new Logger(DynamoColdStore.name);
  private failing: { error: string; since: string } | null = null;
  private readonly timeoutMs: number;
  private probing: { at: number; done: Promise<void>; settled: boolean } | null = null;

  constructor(private readonly options: ColdStoreOptions) {
    this.timeoutMs = options.timeoutMs ?? 3000;
    this.raw = new DynamoDBClient({
      endpoint: options.endpoint,
      region: options.region ?? (options.endpoint ? 'local' : undefined),
      // A local endpoint (dynalite, DynamoDB Local) takes any credentials; AWS uses the default chain.
      credentials: options.endpoint ? { accessKeyId: 'local', secretAccessKey: 'local' } : undefined,
      // Each attempt has the deadline (a store that accepts the connection and never answers, too);
      // every command also has it overall, retries included (call()).
      maxAttempts: 3,
      // The SDK's NodeHttpHandler, from its options.
      requestHandler: {
        connectionTimeout: this.timeoutMs,
        requestTimeout: this.timeoutMs,
        throwOnRequestTimeout: true,
      },
    });
    this.client = DynamoDBDocumentClient.from(this.raw);
  }

  /** Creates the table with its TTL attribute when asked to and it does not exist. */
  async ensureTable(): Promise<void> {
    const TableName = this.options.table;
    try {
      await this.call((abortSignal) => this.raw.send(new DescribeTableCommand({ TableName }), { abortSignal }));
      return;
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException' || !this.options.createTable) throw err;
    }
    await this.call((abortSignal) =>
      this.raw.send(
        new CreateTableCommand({
          TableName,
          BillingMode: 'PAY_PER_REQUEST',
          KeySchema: [
            { AttributeName: 'pk', KeyType: 'HASH' },
            { AttributeName: 'sk', KeyType: 'RANGE' },
          ],
          AttributeDefinitions: [
            { AttributeName: 'pk', AttributeType: 'S' },
            { AttributeName: 'sk', AttributeType: 'S' },
          ],
        }),
        { abortSignal },
      ),
    );
    for (let i = 0; i < 60; i++) {
      const { Table } = await this.call((abortSignal) =>
        this.raw.send(new DescribeTableCommand({ TableName }), { abortSignal }),
      );
      if (Table?.TableStatus === 'ACTIVE') break;
      await sleep(500);
    }
    await this.call((abortSignal) =>
      this.raw.send(
        new UpdateTimeToLiveCommand({
          TableName,
          TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        }),
        { abortSignal },
      ),
    ).catch(() => undefined); // dynalite has no TTL API; AWS and DynamoDB Local do
  }

  async put(items: ColdItem[]): Promise<void> {
    const requests: WriteRequest[] = items.map((item) => ({
      PutRequest: {
        Item: { ...item.attributes, pk: item.partition, sk: item.sk, expiresAt: item.expiresAt, v: 1 },
      },
    }));
    await this.track(() => this.write(requests));
  }

  async query(
    partition: string,
    fromSk: string,
    toSk: string,
    limit?: number,
  ): Promise<{ sk: string; attributes: Record<string, unknown> }[]> {
    const found: { sk: string; attributes: Record<string, unknown> }[] = [];
    await this.track(async () => {
      for await (const item of this.pages({
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': partition, ':from': fromSk, ':to': toSk },
        // No filter expression: Limit counts the items returned, so the first page holds them all.
        ...(limit !== undefined && { Limit: limit }),
      })) {
        const { pk: _pk, sk, expiresAt: _e, v: _v, ...attributes } = item;
        found.push({ sk: sk as string, attributes });
        if (found.length === limit) break;
      }
    });
    return found;
  }

  async deletePartition(partition: string): Promise<number> {
    const keys: WriteRequest[] = [];
    return this.track(async () => {
      for await (const item of this.pages({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ProjectionExpression: 'pk, sk',
      })) {
        keys.push({ DeleteRequest: { Key: { pk: item.pk, sk: item.sk } } });
      }
      await this.write(keys);
      return keys.length;
    });
  }

  async count(partition: string): Promise<number> {
    return this.track(async () => {
      let n = 0;
      for await (const item of this.pages({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': partition },
        ProjectionExpression: 'sk',
      })) {
        if (item) n++;
      }
      return n;
    });
  }

  /**
   * Asks the store whether it answers (DescribeTable, within the deadline), so that health sees a
   * store that stopped answering even while no other call is made; one probe at a time, its
   * answer reused for 5 s (a probe still out is never started again).
   */
  async probe(): Promise<void> {
    let probing = this.probing;
    if (!probing || (probing.settled && Date.now() - probing.at > PROBE_REUSE_MS)) {
      const TableName = this.options.table;
      const started = { at: Date.now(), done: Promise.resolve(), settled: false };
      started.done = this.track(() =>
        this.call((abortSignal) => this.raw.send(new DescribeTableCommand({ TableName }), { abortSignal })),
      )
        .then(
          () => undefined,
          () => undefined, // remembered by track(): status() says degraded
        )
        .finally(() => {
          started.settled = true;
        });
      this.probing = probing = started;
    }
    await probing.done;
  }

  status(): ColdStoreStatus {
    if (this.failing) return { state: 'degraded', ...this.failing };
    // A probe out longer than the deadline is a store that does not answer, even before the abort
    // (its timer may run late on a busy loop) makes track() remember it.
    const out = this.probing;
    if (out && !out.settled && Date.now() - out.at > this.timeoutMs) {
      return {
        state: 'degraded',
        error: `DynamoDB did not answer within ${this.timeoutMs} ms`,
        since: new Date(out.at).toISOString(),
      };
    }
    return { state: 'ok' };
  }

  close(): void {
    this.raw.destroy();
  }

  private async *pages(input: Omit<QueryCommandInput, 'TableName'>): AsyncGenerator<Record<string, unknown>> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.call((abortSignal) =>
        this.client.send(new QueryCommand({ ...input, TableName: this.options.table, ExclusiveStartKey: start }), {
          abortSignal,
        }),
      );
      for (const item of page.Items ?? []) yield item;
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** BatchWriteItem in 25s; unprocessed items are sent again with backoff, then it fails. */
  private async write(requests: WriteRequest[]): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH) {
      let pending = requests.slice(i, i + BATCH);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt === ATTEMPTS)
          throw new Error(`${pending.length} cold-store writes unprocessed after ${ATTEMPTS} attempts`);
        if (attempt > 0) await sleep(Math.min(2000, 50 * 2 ** attempt));
        const out = await this.call((abortSignal) =>
          this.client.send(new BatchWriteCommand({ RequestItems: { [this.options.table]: pending } }), { abortSignal }),
        );
        pending = out.UnprocessedItems?.[this.options.table] ?? [];
      }
    }
  }

  /**
   * One command with its deadline over all its attempts (the SDK aborts the request in flight): a
   * store that stops answering fails the call in COLD_STORE_TIMEOUT_MS instead of holding it.
   */
  private async call<T>(send: (abortSignal: AbortSignal) => Promise<T>): Promise<T> {
    const abortSignal = AbortSignal.timeout(this.timeoutMs);
    try {
      return await send(abortSignal);
    } catch (err) {
      if (abortSignal.aborted) throw new Error(`DynamoDB did not answer within ${this.timeoutMs} ms`, { cause: err });
      throw err;
    }
  }

  /** Runs one store call, remembering whether the store is failing (health, operator alert). */
  private async track<T>(call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      if (this.failing) this.logger.log(`cold store answers again (failing since ${this.failing.since})`);
      this.failing = null;
      return result;
    } catch (err) {
      const message = (err as Error).message;
      // Logged once a failure, not once a call: tenants' 503s say only that the store did not answer.
      if (this.failing?.error !== message) this.logger.error(`cold store call failed: ${message}`);
      this.failing ??= { error: message, since: new Date().toISOString() };
      this.failing.error = message;
      throw err;
    }
  }
}
