import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { AdminRoute, TieredRoute } from '../common/decorators/api-route.decorator.js';
import { CurrentTenant } from '../common/decorators/current-tenant.decorator.js';
import { RequiresFeature } from '../common/decorators/requires-feature.decorator.js';
import { NoQuery } from '../common/no-query.dto.js';
import type { TenantPrincipal } from '../common/principal.js';
import { TenantDirectory } from '../tenants/tenant-directory.js';
import { JetStreamHistoryQuery, PERIOD_SECONDS } from './dto/jetstream-history.query.js';
import { boundHistory, MAX_HISTORY_SERIES, MAX_MINUTE_HISTORY_SECONDS } from './jetstream-history-bound.js';
import { JetStreamError } from './jetstream.errors.js';
import { MAX_UNOWNED_KEPT } from './jetstream.poller.js';
import { JetStreamStore } from './jetstream.store.js';
import { JETSTREAM_READER, type JetStreamReader, type JetStreamStatus } from './jetstream.types.js';

/** What a tenant is told of a failed poll: the raw detail can name another tenant's stream (the admin route and the log have it). */
export const TENANT_POLL_ERROR = 'the last JetStream poll failed; the operator has been told';

/** The status as a tenant sees it: `off`'s fixed detail, `error` without the server's words. */
const tenantStatus = ({ state, detail, lastPollAt }: JetStreamStatus) => ({
  state,
  ...(state === 'error' ? { detail: TENANT_POLL_ERROR } : detail !== undefined && { detail }),
  lastPollAt,
});

/** The tenant's JetStream: `GET /api/v1/metrics/jetstream` (professional) and its history (enterprise). */
@ApiTags('metrics')
@Controller('metrics/jetstream')
export class JetStreamController {
  constructor(
    @Inject(JETSTREAM_READER) private readonly reader: JetStreamReader,
    private readonly directory: TenantDirectory,
  ) {}

  @TieredRoute({
    summary: "The tenant's JetStream streams and consumers at the last poll, worst first",
    description:
      "Streams whose subjects are all in the tenant's namespace (the fullest first, at most JETSTREAM_MAX_STREAMS_PER_TENANT), and their consumers by pending then growth (at most JETSTREAM_MAX_CONSUMERS_PER_TENANT); omitted counts the rest. Polled every JETSTREAM_POLL_SECONDS: a stream created or deleted shows at the next poll. status off: no JetStream (nothing listed).",
    ok: { description: 'The JetStream view', schema: 'JetStream' },
    errors: [400],
  })
  @Get()
  @RequiresFeature('jetstream')
  async current(@CurrentTenant() tenant: TenantPrincipal, @Query() _query: NoQuery) {
    const view = await this.reader.current(tenant.tenantId);
    return {
      tenantId: tenant.tenantId,
      generatedAt: new Date().toISOString(),
      status: tenantStatus(this.reader.status()),
      polledAt: view?.polledAt ?? null,
      streams: view?.streams ?? [],
      consumers: view?.consumers ?? [],
      omitted: view?.omitted ?? { streams: 0, consumers: 0 },
    };
  }

  @TieredRoute({
    summary: 'JetStream history per minute or per hour: the worst streams and consumers',
    description: `Each minute (or hour) with a poll: per stream messages, bytes and fill, per consumer pending, ackPending, redelivered at the period's last poll and the most pending any poll of it saw. At most ${MAX_HISTORY_SERIES.consumers} consumers (the most pending at any poll of the period) and ${MAX_HISTORY_SERIES.streams} streams (the fullest, then the largest), the same in every point. period up to the tenant's retention (RETENTION_EXCEEDED beyond); minutes up to 6h (longer periods default to hours).`,
    ok: { description: 'The history', schema: 'JetStreamHistory' },
    errors: [400],
  })
  @Get('history')
  @RequiresFeature('jetstreamHistory')
  async history(@CurrentTenant() tenant: TenantPrincipal, @Query() query: JetStreamHistoryQuery) {
    const seconds = PERIOD_SECONDS.get(query.period)!;
    const resolution = query.resolution ?? (seconds <= MAX_MINUTE_HISTORY_SECONDS ? 'minute' : 'hour');
    if (resolution === 'minute' && seconds > MAX_MINUTE_HISTORY_SECONDS)
      throw new JetStreamError('VALIDATION_FAILED', 'resolution minute reaches at most 6h: use period 6h or less');
    const retention = this.directory.retentionOf(tenant.tenantId);
    const kept = resolution === 'minute' ? retention.minuteSeconds : retention.days * 86_400;
    if (seconds > kept)
      throw new JetStreamError(
        'RETENTION_EXCEEDED',
        `period ${query.period} at resolution ${resolution} reaches further back than the tenant keeps JetStream history`,
      );
    const to = Date.now();
    const from = to - seconds * 1000;
    const points = boundHistory(await this.reader.history(tenant.tenantId, from, to, resolution));
    return {
      tenantId: tenant.tenantId,
      period: query.period,
      resolution,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      points: points.map((p) => ({
        timestamp: p.timestamp,
        streams: [...p.streams].map(([name, s]) => ({ name, ...s })),
        consumers: [...p.consumers].map(([key, c]) => {
          const slash = key.indexOf('/');
          return { stream: key.slice(0, slash), consumer: key.slice(slash + 1), ...c };
        }),
      })),
    };
  }
}

/** The operator's streams (of no tenant): `GET /api/v1/admin/jetstream`. */
@ApiTags('admin')
@AdminOnly()
@Controller('admin/jetstream')
export class JetStreamAdminController {
  constructor(
    @Inject(JETSTREAM_READER) private readonly reader: JetStreamReader,
    private readonly store: JetStreamStore,
  ) {}

  @AdminRoute({
    summary: "JetStream status and the operator's streams: those of no tenant",
    description: `Streams spanning tenants, outside every namespace, with a wildcard for the tenant or without subjects (the fullest first, at most ${MAX_UNOWNED_KEPT}; omitted counts the rest).`,
    ok: { description: 'The operator JetStream view', schema: 'AdminJetStream' },
    errors: [400],
  })
  @Get()
  async read(@Query() _query: NoQuery) {
    const unowned = await this.store.unowned();
    return {
      generatedAt: new Date().toISOString(),
      status: this.reader.status(),
      polledAt: unowned?.polledAt ?? null,
      streams: unowned?.streams ?? [],
      omitted: unowned?.omitted ?? 0,
    };
  }
}
