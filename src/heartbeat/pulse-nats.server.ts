import { ServerNats } from '@nestjs/microservices';

const MAX_CACHED_ROUTES = 1000;

/**
 * Nest's NATS server with one change: the route of a subscription pattern is computed once.
 * Nest's `getRouteFromPattern` first tries `JSON.parse` on the pattern, which throws for every
 * NATS subject (`_HEARTBEAT.tenant.*.client.*` is not JSON); building that exception dominated
 * the transport's cost per message (ARCHITECTURE.md, PulseNatsServer). Patterns are the few registered channels,
 * so the cache is small and bounded anyway.
 */
export class PulseNatsServer extends ServerNats {
  private readonly routes = new Map<string, string>();

  protected override getRouteFromPattern(pattern: string): string {
    let route = this.routes.get(pattern);
    if (route === undefined) {
      route = super.getRouteFromPattern(pattern);
      if (this.routes.size < MAX_CACHED_ROUTES) this.routes.set(pattern, route);
    }
    return route;
  }
}
