import type { ConsumerDeserializer, IncomingEvent } from '@nestjs/microservices';

/** What heartbeat handlers receive: the message as published, not a Nest packet. */
export interface RawNatsMessage {
  subject: string;
  data: Uint8Array;
  receivedAt: number;
}

/**
 * Tenant apps publish plain JSON, not Nest's `{ pattern, data }` packets. This hands the handler
 * the real subject and the raw bytes (parsed and validated by the handler, which counts every
 * failure by reason), routed by the subscription's pattern.
 */
export class RawMessageDeserializer implements ConsumerDeserializer {
  deserialize(value: { subject: string; data: Uint8Array }, options?: { channel?: string }): IncomingEvent {
    const message: RawNatsMessage = { subject: value.subject, data: value.data, receivedAt: Date.now() };
    return { pattern: options?.channel ?? value.subject, data: message };
  }
}
