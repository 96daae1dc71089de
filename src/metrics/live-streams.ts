import { type BeforeApplicationShutdown, Injectable, type MessageEvent } from '@nestjs/common';
import { Observable } from 'rxjs';
import type { TenantPrincipal } from '../common/principal.js';
import { ApiKeyService } from '../tenants/api-key.service.js';
import { AdminViews } from '../tenants/admin-views.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { MetricsError } from './metrics.errors.js';

/** Open streams one API key may hold at once (per instance). */
export const MAX_STREAMS_PER_KEY = 5;
const BEAT_MS = 1000;
/** A key is looked up in Redis again at least this often (announcements can be lost). */
const RECHECK_MS = 5000;
/** The `closed` event's reason when the instance stops. */
export const SHUTDOWN_REASON = 'the server is shutting down; reconnect';

/**
 * Long-lived responses (the SSE stream) keep checking their credential: every beat the tenant's
 * status and tier are read from the in-memory directory (free), at once when a revocation or
 * deactivation of the tenant is announced, and every 5 s in any case, the key is resolved again
 * as on a new request. A revoked key, a disabled or deleted tenant close the stream (a last
 * `closed` event says why); a tier change reshapes the next body. Each key may hold
 * MAX_STREAMS_PER_KEY streams at once on an instance; one more is refused with 429.
 *
 * On shutdown every open stream ends with a last `closed` event (SHUTDOWN_REASON) and a stream
 * asked for afterwards gets only that event: an open response would otherwise hold the HTTP
 * server's close, and with it the process, until the orchestrator's SIGKILL. EventSource clients
 * reconnect, through the load balancer, to an instance that is not stopping.
 */
@Injectable()
export class LiveStreams implements BeforeApplicationShutdown {
  private readonly open = new Map<string, number>();
  /** The close function of every stream open on this instance. */
  private readonly closers = new Set<(reason: string) => void>();
  private stopping = false;

  constructor(
    private readonly apiKeys: ApiKeyService,
    private readonly directory: TenantDirectory,
    private readonly views: AdminViews,
  ) {}

  /** Throws 429 (before any byte of the stream is sent) when the key already holds its share. */
  stream(
    principal: TenantPrincipal,
    apiKey: string,
    body: (p: TenantPrincipal) => Promise<unknown>,
  ): Observable<MessageEvent> {
    // Per key, and the operator's read-only views per tenant (they share the key id `admin-view`).
    const keyId = `${principal.tenantId} ${principal.keyId}`;
    if ((this.open.get(keyId) ?? 0) >= MAX_STREAMS_PER_KEY) {
      throw new MetricsError('TOO_MANY_STREAMS', `At most ${MAX_STREAMS_PER_KEY} open streams per API key`);
    }
    this.open.set(keyId, (this.open.get(keyId) ?? 0) + 1);
    return new Observable<MessageEvent>((subscriber) => {
      if (this.stopping) {
        subscriber.next({ type: 'closed', data: { reason: SHUTDOWN_REASON } });
        subscriber.complete();
        return () => this.release(keyId);
      }
      let current = principal;
      let revocations = this.apiKeys.revocations(principal.tenantId);
      let lastCheck = Date.now();
      let busy = false;
      let closed = false;
      const close = (reason: string) => {
        if (closed) return;
        closed = true;
        subscriber.next({ type: 'closed', data: { reason } });
        subscriber.complete();
      };
      const beat = async () => {
        if (busy || closed) return;
        busy = true;
        try {
          const now = Date.now();
          const seen = this.apiKeys.revocations(current.tenantId);
          const known = this.directory.get(current.tenantId);
          if (!known || seen !== revocations || now - lastCheck >= RECHECK_MS) {
            revocations = seen;
            lastCheck = now;
            // The operator's read-only view lasts while it is open; a tenant key while it is not revoked.
            const fresh = await (
              principal.readOnly ? this.views.principal(principal.tenantId) : this.apiKeys.resolve(apiKey)
            ).catch(() => current); // Redis down: keep going, check next time
            if (!fresh || fresh.tenantId !== principal.tenantId)
              return close('the API key was revoked or its tenant disabled');
            current = fresh;
          } else if (known.tier !== current.tier) {
            current = { ...current, tier: known.tier };
          }
          const data = await body(current).catch(() => null); // a failed read skips one beat
          if (data !== null && !closed) subscriber.next({ type: 'realtime', data });
        } finally {
          busy = false;
        }
      };
      this.closers.add(close);
      void beat();
      const timer = setInterval(() => void beat(), BEAT_MS);
      return () => {
        closed = true;
        clearInterval(timer);
        this.closers.delete(close);
        this.release(keyId);
      };
    });
  }

  /** Streams open on this instance. */
  get openStreams(): number {
    return this.closers.size;
  }

  /** Ends every open stream (a last `closed` event) and refuses new ones: nothing holds the HTTP close. */
  beforeApplicationShutdown(): void {
    this.stopping = true;
    for (const close of [...this.closers]) close(SHUTDOWN_REASON);
  }

  private release(keyId: string): void {
    const left = (this.open.get(keyId) ?? 1) - 1;
    if (left <= 0) this.open.delete(keyId);
    else this.open.set(keyId, left);
  }
}
