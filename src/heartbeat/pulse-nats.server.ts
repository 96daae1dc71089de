import { ServerNats } from '@nestjs/microservices';

const MAX_CACHED_ROUTES = 1000;

/** A handler that takes a message as it arrives: subject, raw bytes, the time it was received. */
export type DirectHandler = (subject: string, data: Uint8Array, receivedAt: number) => void;

/**
 * Nest's NATS server (connection, queue group, status events, graceful close) with two changes:
 *
 * - The route of a subscription pattern is computed once. Nest's `getRouteFromPattern` first
 *   tries `JSON.parse` on the pattern, which throws for every NATS subject; building that
 *   exception dominated the transport's cost per message (ARCHITECTURE.md, PulseNatsServer).
 * - A pattern given a direct handler (`handleDirectly`) has its messages handed to it in the
 *   subscription callback: no execution context, guard and pipe chain, promise or observable per
 *   message, which on the heartbeat path cost more than the heartbeat's own work (docs/benchmarks.md).
 *   The pattern is still declared by its @EventPattern handler, which subscribes it and serves
 *   it when no direct handler is given. A direct handler must not throw or await; one that
 *   throws anyway is logged, and the next message proceeds.
 */
export class PulseNatsServer extends ServerNats {
  private readonly routes = new Map<string, string>();
  private readonly direct = new Map<string, DirectHandler>();
  private directMessages = 0;

  handleDirectly(pattern: string, handler: DirectHandler): void {
    this.direct.set(this.getRouteFromPattern(pattern), handler);
  }

  /** Messages handed to direct handlers so far. */
  directCount(): number {
    return this.directMessages;
  }

  // Nest types the subscription callback as `Function`.
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  override getMessageHandler(channel: string): Function {
    const direct = this.direct.get(channel);
    if (!direct) return super.getMessageHandler(channel);
    return (error: unknown, message: { subject: string; data: Uint8Array }) => {
      if (error) {
        this.logger.error(error);
        return;
      }
      this.directMessages++;
      try {
        direct(message.subject, message.data, Date.now());
      } catch (err) {
        this.handleError(String(err));
      }
    };
  }

  protected override getRouteFromPattern(pattern: string): string {
    let route = this.routes.get(pattern);
    if (route === undefined) {
      route = super.getRouteFromPattern(pattern);
      if (this.routes.size < MAX_CACHED_ROUTES) this.routes.set(pattern, route);
    }
    return route;
  }
}
