import { describe, expect, it } from 'vitest';
import { isRedisUnavailable, isSlotUnavailable } from './redis-errors.js';

describe('isRedisUnavailable', () => {
  it('recognises connection failures and unserved Cluster slots', () => {
    for (const message of [
      'Connection is closed.',
      'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
      'connect ECONNREFUSED 127.0.0.1:7000',
      'MOVED 6059 127.0.0.1:34465',
      'CLUSTERDOWN The cluster is down',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'LOADING Redis is loading the dataset in memory',
    ]) {
      expect(isRedisUnavailable(new Error(message)), message).toBe(true);
    }
  });

  it('leaves programming errors and non-errors alone', () => {
    expect(isRedisUnavailable(new Error("ERR wrong number of arguments for 'get' command"))).toBe(false);
    expect(isRedisUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isRedisUnavailable('ECONNREFUSED')).toBe(false);
    expect(isRedisUnavailable(null)).toBe(false);
  });

  it('tells a slot unserved by a connected client from Redis down', () => {
    const moved = new Error('MOVED 6059 127.0.0.1:34465');
    expect(isSlotUnavailable({ status: 'ready' }, moved)).toBe(true);
    expect(isSlotUnavailable({ status: 'reconnecting' }, moved)).toBe(false);
    expect(isSlotUnavailable({ status: 'ready' }, new Error('ERR syntax error'))).toBe(false);
  });
});
