import { describe, expect, it, vi } from 'vitest';
import { DynamoColdStore } from './dynamo-cold-store.js';

const DENIED = Object.assign(
  new Error(
    'User: arn:aws:iam::123456789012:user/pulse is not authorized to perform: dynamodb:Query on resource: arn:aws:dynamodb:eu-west-1:123456789012:table/x',
  ),
  { name: 'AccessDeniedException' },
);

describe('DynamoColdStore failures', () => {
  it("logs the store's own error on the server once a failure, not once a call; logs the return", async () => {
    const store = new DynamoColdStore({
      table: 'x',
      endpoint: 'http://127.0.0.1:9',
      createTable: false,
      hotHistoryHours: 48,
    });
    const send = vi.fn().mockRejectedValue(DENIED);
    const inner = store as unknown as {
      client: { send: typeof send };
      logger: { error: (m: string) => void; log: (m: string) => void };
    };
    inner.client = { send };
    const failed = vi.spyOn(inner.logger, 'error').mockImplementation(() => undefined);
    const back = vi.spyOn(inner.logger, 'log').mockImplementation(() => undefined);
    for (let i = 0; i < 5; i++) await expect(store.query('p', 'h#', 'h#~')).rejects.toBe(DENIED);
    expect(failed).toHaveBeenCalledOnce();
    expect(failed.mock.calls[0][0]).toContain('arn:aws:dynamodb:eu-west-1:123456789012:table/x');
    expect(store.status()).toMatchObject({ state: 'degraded' });
    send.mockResolvedValue({ Items: [] });
    expect(await store.query('p', 'h#', 'h#~')).toEqual([]);
    expect(back).toHaveBeenCalledOnce();
    expect(store.status()).toEqual({ state: 'ok' });
  });
});
