import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { SHARED_NATS } from './pulse-app.js';

export async function publisher(
  servers: string | string[] = SHARED_NATS,
  auth: { user?: string; pass?: string } = {},
): Promise<NatsConnection> {
  return connect({ servers, maxReconnectAttempts: -1, reconnectTimeWait: 200, ...auth });
}

/** Publishes `count` messages of `size` bytes on `subject(i)`, stamped with X-Published-At. */
export async function publishMany(
  nc: NatsConnection,
  count: number,
  subject: (i: number) => string,
  size = 100,
): Promise<void> {
  const payload = new Uint8Array(size).fill(120);
  for (let i = 0; i < count; i++) {
    const h = headers();
    h.set('X-Published-At', String(Date.now()));
    nc.publish(subject(i), payload, { headers: h });
    if (i % 1000 === 999) await nc.flush();
  }
  await nc.flush();
}
