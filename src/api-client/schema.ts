/**
 * Pulse's HTTP API as TypeScript types, generated from the OpenAPI document by openapi-typescript:
 * do not edit. `npm run generate:api-client` regenerates it; test/e2e/api-client.e2e-spec.ts
 * fails when it is out of date with the document a running Pulse serves.
 */
export interface paths {
  '/api/v1/admin/tenants': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List tenants in id order
     * @description Pass nextCursor as cursor for the next page.
     */
    get: operations['TenantsAdminController_list'];
    put?: never;
    /**
     * Creates a tenant and its first API key; the key is in this response only.
     * @description The key is in this answer only.
     */
    post: operations['TenantsAdminController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/tenants/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One tenant with its key ids */
    get: operations['TenantsAdminController_get'];
    put?: never;
    post?: never;
    /**
     * Erase a tenant: all its data and keys, in Redis and the cold store, with a receipt
     * @description Removes the tenant record (from then on no writer can bring a key back), every key of the tenant and its cold items, then checks what is left; the receipt counts what was removed and what remains. An id already erased gets what is left removed and a receipt; 404 only when nothing of it is left. The audit trail keeps the fact of the erasure.
     */
    delete: operations['TenantsAdminController_remove'];
    options?: never;
    head?: never;
    /** Change a tenant */
    patch: operations['TenantsAdminController_update'];
    trace?: never;
  };
  '/api/v1/admin/tenants/{id}/view': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Open the tenant's dashboard read-only (audited)
     * @description Writes an audit entry (tenant.view) and opens the operator's read-only view of the tenant for an hour (expiresAt): the admin key with the header `x-pulse-view-tenant: <id>` then reads the tenant's routes (GET only; any other method is 403 READ_ONLY_VIEW). Without an opened view the header grants nothing.
     */
    post: operations['TenantsAdminController_view'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/tenants/{id}/api-keys': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Key ids and creation times */
    get: operations['TenantsAdminController_listKeys'];
    put?: never;
    /**
     * Issue another API key
     * @description The key is in this answer only.
     */
    post: operations['TenantsAdminController_issueKey'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/tenants/{id}/api-keys/{keyId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Revoke a key (at once, on every instance) */
    delete: operations['TenantsAdminController_revokeKey'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/tenant': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The key's tenant: its tier, the days of history it keeps, and every feature with the tier it needs
     * @description features lists every tier-gated feature (the entitlements table) with the lowest tier that has it and whether this tenant has it; a route of a feature the tenant lacks answers 403 naming that tier.
     */
    get: operations['TenantController_get'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/live': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Liveness: the process answers, with Pulse's version */
    get: operations['HealthController_live'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/health/ready': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Readiness: NATS connected and answering a round trip within 1 s, Redis usable; with the cold store on, its state (degraded still answers 200) */
    get: operations['HealthController_ready'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/alerts': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Alerts fired, resolved and repeated, newest first */
    get: operations['AlertsController_alerts'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/alerts/deliveries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Every delivery attempt to a channel, newest first */
    get: operations['AlertsController_deliveries'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/alerts/channels': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's channels (secrets masked) */
    get: operations['AlertsController_list'];
    put?: never;
    /**
     * Add a Slack, PagerDuty, e-mail or webhook channel
     * @description A webhook channel gets a signing secret, shown in this answer only.
     */
    post: operations['AlertsController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/alerts/channels/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One channel (secrets masked) */
    get: operations['AlertsController_get'];
    put?: never;
    post?: never;
    /** Delete a channel */
    delete: operations['AlertsController_remove'];
    options?: never;
    head?: never;
    /** Change a channel's name or config */
    patch: operations['AlertsController_update'];
    trace?: never;
  };
  '/api/v1/alerts/rules': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's rules */
    get: operations['AlertsController_rules'];
    put?: never;
    /** Add a threshold rule */
    post: operations['AlertsController_createRule'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/alerts/rules/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One rule */
    get: operations['AlertsController_rule'];
    put?: never;
    post?: never;
    /** Delete a rule */
    delete: operations['AlertsController_removeRule'];
    options?: never;
    head?: never;
    /** Change a rule */
    patch: operations['AlertsController_updateRule'];
    trace?: never;
  };
  '/api/v1/alerts/silences': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's silences */
    get: operations['AlertsController_silences'];
    put?: never;
    /** Hold notifications back until a time */
    post: operations['AlertsController_createSilence'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/alerts/silences/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /** Delete a silence */
    delete: operations['AlertsController_removeSilence'];
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/alerts/channels/{id}/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send a test notification to a channel */
    post: operations['AlertsController_test'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/realtime': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Live counters of the tenant, shaped by tier
     * @description basic: messages, bytes, clients; professional adds throughput, latencyMs, subjects (and sampling when figures are sampled); enterprise adds errorRate and anomalies.
     */
    get: operations['MetricsController_realtime'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/prometheus': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The tenant's own figures in the Prometheus text format (scrape with the key as bearer token)
     * @description Fields by tier as in realtime: all-time messages and bytes as counters, clients by status, the usage (the NATS server's all-time messages and bytes in and out, with a system account; each limit that has a value and its utilisation); professional adds the all-time latency histogram (seconds, 20 buckets, one a doubling: le = (2^k − 1) ms, +Inf), the latency percentiles of the last 5 minutes and the busiest 20 subjects today as labels, and the tenant's JetStream at the last poll (the fullest 20 streams, the worst 50 consumers, the rest counted); enterprise adds the error ratio, open anomalies and custom metrics (at most 50). At most 440 series.
     */
    get: operations['MetricsController_prometheus'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/stream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Server-sent events: the tier-shaped realtime body every second (the dashboard's live feed;
     *     usable by any SSE client). The credential is re-checked while the stream is open: a revoked
     *     key or a disabled tenant ends it with a `closed` event; a tier change reshapes the body. At
     *     most 5 open streams per key (429 beyond). A failed read skips one beat.
     * @description Events `realtime` (data: the Realtime body of the key's tier) every second, and `closed` (data: { reason }) when the key is revoked or the tenant disabled. At most 5 open streams per key (429).
     */
    get: operations['MetricsController_stream'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/presence': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Client presence: the summary, and for professional and up the client list
     * @description basic gets the summary only, and 403 for any of status, online, limit, cursor, search or sort. The list is in client-id order (sort=lastSeen: most recently seen first); pass nextCursor as cursor for the next page. search filters the ids on the server (a substring, or a glob with `*`): a page looks at 20,000 ids at most, so a sparse match may answer fewer than limit clients with a nextCursor to continue.
     */
    get: operations['MetricsController_presence'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/connections': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The tenant's NATS connections as the server reports them (system account on)
     * @description Open connections (or the latest closed ones, with reason and counts), newest first, at most 1,000 (closed: also the latest 100 closes of unverified ones, kept apart); withoutSdk and connectedSilent in the summary. enabled false (and nothing listed) when Pulse has no system-account connection.
     */
    get: operations['MetricsController_connections'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/analytics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * History: time series, totals, subjects; enterprise adds client behaviour and a forecast
     * @description period up to the tier retention: professional 1h, 24h, 7d; enterprise also 30d. Or a range from–to (ISO 8601, to at most now) within the retention: its resolution by default the finest of at most 500 points (1m and 5m reach back 24 hours); period is then custom.
     */
    get: operations['MetricsController_analytics'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The analytics series as a file: CSV, NDJSON or Parquet
     * @description Enterprise: a custom_<id> column per custom metric; those columns read at most 10,000 stored hashes (metrics × the minutes, hours or days of the period at the resolution: 24h at 1m or 5m is 1,440 a metric), without resolution the finest that fits is taken; a resolution asked beyond is a 400 naming resolution that says which coarser resolution fits. One export per tenant at a time on an instance: another meanwhile is a 429 with Retry-After.
     */
    get: operations['MetricsController_export'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/anomalies': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Anomalies detected in the last hours, newest first, and the state of each series model
     * @description Each anomaly's details say why it opened: detector, value, expected, lower, upper (the expected range) and score. models: each series the statistical model watches (messages, bytes, error_rate, active_clients, latency_p95, custom:<id>), warming_up (warmUntil: when it may report, if every window has data) or ready, with the expected value and normal range (lower, upper) of the next window the detection closes (windowAt).
     */
    get: operations['MetricsController_anomalies'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/anomalies/{id}/story': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * An anomaly's story: its series and expected band, the subjects and clients that changed, events
     * @description The anomaly (detector, score, the range it was judged against) and what was going on around it: its series (the anomaly's metric, else messages) per detection window over up to 30 windows before and 10 after (at most 240 minutes), each window with the expected value and normal range the tenant's model gives that window now (null while the model is not warm; the anomaly's own window carries the range it opened against); the subjects whose rate on the anomaly's day moved most against their usual rate (the busiest 200 of that day and of up to 7 earlier days held); clients that went offline or were first seen in the span, flapped that day, or whose traffic moved most; NATS connections opened or closed in the span (system account on); JetStream advisories counted in its windows. Another tenant's anomaly is not found (404).
     */
    get: operations['MetricsController_anomalyStory'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/anomalies/backtest': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * What the detection pipeline would have opened over the stored hourly history
     * @description Nothing is stored or notified.
     */
    post: operations['MetricsController_backtest'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/health-check': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's view of Pulse: NATS, Redis, pipeline, its clients and rejected heartbeats */
    get: operations['MetricsController_healthCheck'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/custom': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant’s custom metrics */
    get: operations['CustomMetricsController_list'];
    put?: never;
    /**
     * Define a metric over the tenant’s own messages (a count, or a JSON field or header value)
     * @description Values are aggregated exactly per minute and day on every instance; realtime shows them.
     */
    post: operations['CustomMetricsController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/custom/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One custom metric */
    get: operations['CustomMetricsController_get'];
    put?: never;
    post?: never;
    /** Delete a custom metric and its stored figures */
    delete: operations['CustomMetricsController_remove'];
    options?: never;
    head?: never;
    /**
     * Rename a custom metric or change its unit
     * @description name and unit can change. subject, source, field, header and aggregation define what the metric measures and cannot: a different value is a 400 naming the field (the same value is accepted). Create a new metric for a new definition: its series starts empty, and the old one stays readable until deleted.
     */
    patch: operations['CustomMetricsController_update'];
    trace?: never;
  };
  '/api/v1/metrics/custom/{id}/series': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The metric per bucket over a period, zero-filled, with the total
     * @description period up to the tenant's retention, as analytics: beyond it, 403 TIER_REQUIRED naming the tier whose retention covers it, or 403 RETENTION_EXCEEDED when none does (enterprise keeps 30 days by default: 90d and 365d need a retention override on the tenant).
     */
    get: operations['CustomMetricsController_series'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/clients/{clientId}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One client's page: presence, status timeline, offline periods, connection, anomalies
     * @description The client's presence and cumulative figures; its timeline (online, status changes, offline, its NATS connection opened and closed; the latest 200 within the tenant's history, newest first) and the offline periods in it; its connection as the server reports it (system account on) and its latest 20 closed connections with their reasons; enterprise: the anomalies naming it (null below). Another tenant's client, or none: 404.
     */
    get: operations['PagesController_client'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/subjects': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Today's subjects (UTC), sorted, filtered and paged on the server
     * @description From the day's ranking (its busiest 1000 subjects). sort: messages, bytes or subject; filter: a plain substring, or a glob with `*` (no regular expressions); offset and limit page the rows; total counts the rows the filter keeps.
     */
    get: operations['PagesController_subjects'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/subjects/{subject}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * One subject's page: messages per day and its share of the tenant's traffic
     * @description Each UTC day of the tenant's history (at most 31): the subject's messages, bytes, average rate and share of the tenant's messages that day; enterprise: the anomalies naming it (null below). A subject with no message in the history kept (in no day's ranking): 404.
     */
    get: operations['PagesController_subject'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/metrics': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** Pulse's own metrics in the Prometheus text format (admin key) */
    get: operations['PrometheusController_scrape'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/overview': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Pulse's health across instances, a page of tenants with live figures, the busiest tenants, incidents, JetStream
     * @description Tenants in id order (pass nextCursor as cursor); each with messages/s, today, clients online, open anomalies and its last message. topTenants: today by messages, every tenant (shared for 10 s). jetstream: the poller status (off, ok, error; last poll; streams of no tenant) and the 20 tenants whose worst consumer lags most (shared for 10 s).
     */
    get: operations['AdminOverviewController_read'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/jetstream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The tenant's JetStream streams and consumers at the last poll, worst first
     * @description Streams whose subjects are all in the tenant's namespace (the fullest first, at most JETSTREAM_MAX_STREAMS_PER_TENANT), and their consumers by pending then growth (at most JETSTREAM_MAX_CONSUMERS_PER_TENANT); omitted counts the rest. Polled every JETSTREAM_POLL_SECONDS: a stream created or deleted shows at the next poll. status off: no JetStream (nothing listed).
     */
    get: operations['JetStreamController_current'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/jetstream/history': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * JetStream history per minute or per hour: the worst streams and consumers
     * @description Each minute (or hour) with a poll: per stream messages, bytes and fill, per consumer pending, ackPending, redelivered at the period's last poll and the most pending any poll of it saw. At most 20 consumers (the most pending at any poll of the period) and 20 streams (the fullest, then the largest), the same in every point. period up to the tenant's retention (RETENTION_EXCEEDED beyond); minutes up to 6h (longer periods default to hours).
     */
    get: operations['JetStreamController_history'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/jetstream': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * JetStream status and the operator's streams: those of no tenant
     * @description Streams spanning tenants, outside every namespace, with a wildcard for the tenant or without subjects (the fullest first, at most 1000; omitted counts the rest).
     */
    get: operations['JetStreamAdminController_read'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/metrics/usage': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The tenant's usage (published, server ingress and egress, fan-out) and its limits' utilisation
     * @description Today (UTC) and this month from the history: Pulse's own publish count beside what the NATS server counted in and out (system account on), connection-minutes, JetStream byte-hours, refusals. Every limit (connections, subscriptions, payload, data, JetStream memory, storage, streams, consumers, monthly messages): its value (the account's claims, else the tenant's own), use now, peak today, utilisation, level against LIMIT_WARNING_PERCENT / LIMIT_CRITICAL_PERCENT, and when it is forecast to be reached (gauges within 168 h, monthly limits by the month's end). history: per hour (24h) or per day (7d, 30d) up to the tenant's retention (403 beyond it, naming the tier that keeps it).
     */
    get: operations['UsageController_read'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/usage': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Tenants ranked by their highest limit utilisation
     * @description Each tenant with a measured use of a limit that has a value, by its highest utilisation (then tenant id), at most limit (≤ 100): the limit, use, value, utilisation, level and the median forecast's date of reaching it. Read afresh at most every 10 s.
     */
    get: operations['UsageAdminController_ranking'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/usage/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Every tenant's usage in one past UTC hour, for billing: NDJSON or a CloudEvents batch
     * @description One record per tenant (active or disabled; an erased tenant has none, nor a tenant created after the hour or whose history no longer holds it), in tenant id order, with a stable id usage:<tenantId>:<YYYY-MM-DDTHH>: published (what Pulse's tap counted), ingress and egress (what the NATS server counted), connection-minutes and JetStream storage byte-hours. The same hour exported again gives the same bytes while its data does not change. The hour must have ended USAGE_EXPORT_SETTLE_SECONDS (300) ago — later data for it (an instance's backlog after an outage) would change it — and be within the history kept; else a 400 naming hour (details[0].exportableFrom: when it can be). format=cloudevents: each record is the data of a CloudEvent (type io.pulse.usage.hourly, subject the tenant id, time the hour's start, source USAGE_EXPORT_SOURCE), as OpenMeter ingests them. Streamed.
     */
    get: operations['UsageExportController_export'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/events/types': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The event types, and which the tenant may subscribe to */
    get: operations['EventsController_types'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/events/subscriptions': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The tenant's subscriptions and their delivery state (secrets masked) */
    get: operations['EventsController_list'];
    put?: never;
    /**
     * Subscribe an https endpoint to event types
     * @description The answer carries the signing secret (Standard Webhooks, `whsec_…`), shown this once. Events from now on are sent; a type above the tier is a 403.
     */
    post: operations['EventsController_create'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/events/subscriptions/{id}': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** One subscription and its delivery state (secret masked) */
    get: operations['EventsController_get'];
    put?: never;
    post?: never;
    /** Delete a subscription */
    delete: operations['EventsController_remove'];
    options?: never;
    head?: never;
    /** Change a subscription's URL, types or client filter; pause or resume it */
    patch: operations['EventsController_update'];
    trace?: never;
  };
  '/api/v1/events/subscriptions/{id}/rotate-secret': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Replace the signing secret
     * @description The new secret is in this answer only; requests are signed with it from now on.
     */
    post: operations['EventsController_rotate'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/events/subscriptions/{id}/test': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /** Send a signed request with no events to the endpoint now */
    post: operations['EventsController_test'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/events/subscriptions/{id}/deliveries': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /** The subscription's last deliveries: status, latency, events */
    get: operations['EventsController_deliveries'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/events/subscriptions/{id}/replay': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Send again what happened since a time (within the retention of events)
     * @description The subscription's cursor moves back to `from`: its events since then are sent again, in order, with their ids (receivers deduplicate on them). A batch in flight is not cut short: the cursor moves back once it ends. Further back than the tier keeps events (24 h professional, 72 h enterprise) is a 403. One replay per subscription every 10 s: a second one sooner is a 429 whose `Retry-After` (and `retryAfter` in the body) says in how many seconds.
     */
    post: operations['EventsController_replay'];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The audit trail of every tenant and of the admin, newest first
     * @description With tenantId: that tenant's entries (after its erasure: the facts only, its targets, key ids and addresses are gone). At most 5,000 entries are looked at per page.
     */
    get: operations['AdminAuditController_page'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/audit': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The tenant's own audit trail, newest first
     * @description Writes through the API with their actor, request id and outcome; at most 5,000 entries are looked at per page (a filter that matches rarely answers with fewer entries and a cursor).
     */
    get: operations['TenantAuditController_page'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/tenants/{id}/export': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Everything Pulse holds about a tenant (GDPR Art. 15/20), as NDJSON
     * @description One typed record a line ({"type": …, "data": …}): tenant, apiKey (ids and dates), channel (secrets masked), rule, silence, customMetric, eventSubscription (secret masked), client, connection, minute, hour, day, subjects, clientDay, jetstream (the last poll's streams and consumers), jetstreamMinute and jetstreamHour (JetStream history within the retention, each point as GET /api/v1/metrics/jetstream/history writes it), anomaly, alert, delivery, audit. Streamed.
     */
    get: operations['ComplianceController_export'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  '/api/v1/admin/compliance/report': {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * The compliance report: retention held, keys and their use, failed logins, channels, erasures
     * @description Per tenant: the retention and the oldest data actually held, keys with age and last use (unused90d), channels and their target hosts; the deployment settings that matter for SOC 2; failed authentications of 30 days; erasure receipts. format=csv: one row per tenant.
     */
    get: operations['ComplianceController_report'];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export type webhooks = Record<string, never>;
export interface components {
  schemas: {
    NatsIdentitiesDto: {
      accounts?: string[];
      users?: string[];
      nkeys?: string[];
    };
    TenantLimitsDto: {
      /** @description Open connections. */
      connections?: number | null;
      /** @description Subscriptions across the tenant's connections. */
      subscriptions?: number | null;
      /** @description Largest message payload, bytes. */
      payload?: number | null;
      /** @description Bytes in and out a month, as the server counts them. */
      data?: number | null;
      /** @description JetStream memory storage, bytes. */
      jetstreamMemory?: number | null;
      /** @description JetStream file storage, bytes. */
      jetstreamStorage?: number | null;
      /** @description JetStream streams. */
      jetstreamStreams?: number | null;
      /** @description JetStream consumers. */
      jetstreamConsumers?: number | null;
    };
    CreateTenantDto: {
      id: string;
      name?: string;
      /** @enum {string} */
      tier?: 'basic' | 'professional' | 'enterprise';
      /** @description A key of the PLAN_TIERS table; sets the tier unless a tier is given too. */
      plan?: string;
      /** @description Messages a month the tenant pays for; null clears it. */
      monthlyMessageQuota?: number | null;
      /**
       * @description How readily the statistical anomaly detector opens an anomaly (enterprise); default medium.
       * @enum {string}
       */
      anomalySensitivity?: 'low' | 'medium' | 'high';
      /**
       * @description Days of history kept for this tenant instead of its tier's (e.g. 395 for an enterprise
       *     contract; beyond a month, run the cold store); null returns to the tier's.
       */
      retentionDays?: number | null;
      /** @description The tenant's NATS identities (accounts, user names, nkey public keys), each list replaced whole. */
      natsIdentities?: components['schemas']['NatsIdentitiesDto'];
      /**
       * @description The tenant's own NATS account (the accounts deployment shape): an account public key (`A…`,
       *     56 characters) or a configured account's name; null: none (a subject namespace in a shared
       *     account). Unique across tenants, and no other tenant's `natsIdentities.accounts` entry: the
       *     account's connections are the tenant's.
       */
      natsAccount?: string | null;
      /** @description Limits set on the tenant, merged field by field over its current ones (null clears one). */
      limits?: components['schemas']['TenantLimitsDto'];
      /**
       * @description Latency and subject statistics from every message (1), one message in N (2..1000), or
       *     automatic (0, the default: sampled above SAMPLING_AUTO_RATE msgs/s). Counts and bytes are
       *     always exact.
       */
      sampling?: number;
    };
    UpdateTenantDto: {
      /** @enum {string} */
      status?: 'active' | 'disabled';
      name?: string;
      /** @enum {string} */
      tier?: 'basic' | 'professional' | 'enterprise';
      /** @description A key of the PLAN_TIERS table; sets the tier unless a tier is given too. */
      plan?: string;
      /** @description Messages a month the tenant pays for; null clears it. */
      monthlyMessageQuota?: number | null;
      /**
       * @description How readily the statistical anomaly detector opens an anomaly (enterprise); default medium.
       * @enum {string}
       */
      anomalySensitivity?: 'low' | 'medium' | 'high';
      /**
       * @description Days of history kept for this tenant instead of its tier's (e.g. 395 for an enterprise
       *     contract; beyond a month, run the cold store); null returns to the tier's.
       */
      retentionDays?: number | null;
      /** @description The tenant's NATS identities (accounts, user names, nkey public keys), each list replaced whole. */
      natsIdentities?: components['schemas']['NatsIdentitiesDto'];
      /**
       * @description The tenant's own NATS account (the accounts deployment shape): an account public key (`A…`,
       *     56 characters) or a configured account's name; null: none (a subject namespace in a shared
       *     account). Unique across tenants, and no other tenant's `natsIdentities.accounts` entry: the
       *     account's connections are the tenant's.
       */
      natsAccount?: string | null;
      /** @description Limits set on the tenant, merged field by field over its current ones (null clears one). */
      limits?: components['schemas']['TenantLimitsDto'];
      /**
       * @description Latency and subject statistics from every message (1), one message in N (2..1000), or
       *     automatic (0, the default: sampled above SAMPLING_AUTO_RATE msgs/s). Counts and bytes are
       *     always exact.
       */
      sampling?: number;
    };
    CreateChannelDto: {
      /** @enum {string} */
      type: 'slack' | 'pagerduty' | 'email' | 'webhook';
      name: string;
      /** @description Checked per type by the service (configProblems); webhook secrets are generated, not given. */
      config: Record<string, never>;
    };
    UpdateChannelDto: {
      name?: string;
      config?: Record<string, never>;
    };
    CreateRuleDto: {
      name: string;
      metric: Record<string, never>;
      /** @enum {string} */
      operator: 'gt' | 'lt';
      threshold: number;
      forSeconds: number;
      /** @enum {string} */
      severity: 'info' | 'warning' | 'critical';
      /** @description Channels to notify; empty or absent: every channel of the tenant. */
      channelIds?: string[];
    };
    UpdateRuleDto: {
      name?: string;
      threshold?: number;
      forSeconds?: number;
      /** @enum {string} */
      severity?: 'info' | 'warning' | 'critical';
      /** @enum {string} */
      operator?: 'gt' | 'lt';
      channelIds?: string[];
    };
    CreateSilenceDto: {
      /** @description Fields an alert must all match (at least one); ruleId and alertKey at most 128 characters */
      matcher: {
        ruleId?: string;
        /** @enum {string} */
        anomalyType?:
          | 'rate_spike'
          | 'traffic_drop'
          | 'error_rate'
          | 'unusual_subject'
          | 'client_flapping'
          | 'security'
          | 'slow_consumer'
          | 'spike'
          | 'dip'
          | 'level_shift'
          | 'drift'
          | 'consumer_stalled'
          | 'redelivery_storm'
          | 'stream_near_limit';
        /** @enum {string} */
        severity?: 'info' | 'warning' | 'critical';
        alertKey?: string;
      };
      /** Format: date-time */
      until: string;
    };
    BacktestBody: {
      /** @enum {string} */
      period: '7d' | '30d';
      /**
       * @description Default: the tenant's anomalySensitivity
       * @enum {string}
       */
      sensitivity?: 'low' | 'medium' | 'high';
    };
    CreateCustomMetricDto: {
      name: string;
      /** @description NATS pattern relative to the tenant's namespace ('*' one token, a final '>' the rest) */
      subject: string;
      /** @enum {string} */
      source: 'count' | 'json' | 'header';
      /** @enum {string} */
      aggregation: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'p50' | 'p95' | 'p99';
      /** @description source json: dotted path into the payload (order.total) */
      field?: string | null;
      /** @description source header: the header holding a number */
      header?: string | null;
      /** @description Unit shown with values (EUR, ms) */
      unit?: string | null;
    };
    UpdateCustomMetricDto: {
      name?: string;
      /** @description NATS pattern relative to the tenant's namespace ('*' one token, a final '>' the rest) */
      subject?: string;
      /** @enum {string} */
      source?: 'count' | 'json' | 'header';
      /** @enum {string} */
      aggregation?: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'p50' | 'p95' | 'p99';
      /** @description source json: dotted path into the payload */
      field?: string | null;
      /** @description source header: the header holding a number */
      header?: string | null;
      /** @description Unit shown with values */
      unit?: string | null;
    };
    CreateSubscriptionDto: {
      /** @description https URL the events are POSTed to */
      url: string;
      /** @description The event types sent */
      types: (
        | 'client.online'
        | 'client.status_changed'
        | 'client.offline'
        | 'connection.opened'
        | 'connection.closed'
        | 'limit.opened'
        | 'limit.resolved'
        | 'anomaly.opened'
        | 'anomaly.resolved'
      )[];
      /** @description Only events of clients whose id matches this glob (`*`: any run of characters); events of no client pass */
      clientFilter?: string;
    };
    UpdateSubscriptionDto: {
      /** @description https URL the events are POSTed to */
      url?: string;
      /** @description The event types sent */
      types?: (
        | 'client.online'
        | 'client.status_changed'
        | 'client.offline'
        | 'connection.opened'
        | 'connection.closed'
        | 'limit.opened'
        | 'limit.resolved'
        | 'anomaly.opened'
        | 'anomaly.resolved'
      )[];
      /** @description Client id glob; null removes the filter */
      clientFilter?: string | null;
      /** @description false resumes a paused subscription from where it stopped */
      paused?: boolean;
    };
    ReplayDto: {
      /**
       * Format: date-time
       * @description Re-send the events since this time (ISO 8601), within the retention
       */
      from: string;
    };
    ErrorBody: {
      /** @example 403 */
      statusCode: number;
      /** @example Forbidden */
      error: string;
      /** @example This resource requires the enterprise tier (current tier: professional) */
      message: string;
      /**
       * @description What went wrong, stable for clients to switch on (the status follows from it):
       *     - `VALIDATION_FAILED` (400): A request field is missing or invalid (`details` names each field when the body or query failed validation)
       *     - `MALFORMED_BODY` (400): The body could not be read as JSON, or is nested too deep
       *     - `UNAUTHENTICATED` (401): The API key is missing, unknown or revoked, or the wrong kind of key for the route
       *     - `TIER_REQUIRED` (403): The tenant's tier does not include this; `requiredTier` and `currentTier` say which tier does
       *     - `RETENTION_EXCEEDED` (403): The period reaches back further than the tenant keeps history
       *     - `READ_ONLY_VIEW` (403): The operator's read-only view of a tenant (admin key with `X-Pulse-View-Tenant`) changes nothing
       *     - `ROUTE_NOT_FOUND` (404): No route answers this method and path
       *     - `TENANT_NOT_FOUND` (404): No tenant has this id
       *     - `API_KEY_NOT_FOUND` (404): The tenant has no API key with this id
       *     - `CHANNEL_NOT_FOUND` (404): The tenant has no alert channel with this id
       *     - `RULE_NOT_FOUND` (404): The tenant has no alert rule with this id
       *     - `SILENCE_NOT_FOUND` (404): The tenant has no silence with this id
       *     - `CUSTOM_METRIC_NOT_FOUND` (404): The tenant has no custom metric with this id
       *     - `ANOMALY_NOT_FOUND` (404): The tenant has no anomaly with this id
       *     - `SUBSCRIPTION_NOT_FOUND` (404): The tenant has no event subscription with this id
       *     - `CLIENT_NOT_FOUND` (404): The tenant has no client with this id
       *     - `SUBJECT_NOT_FOUND` (404): No message on this subject in the tenant's history
       *     - `TENANT_EXISTS` (409): A tenant with this id already exists
       *     - `NATS_IDENTITY_TAKEN` (409): A NATS identity in the request already belongs to another tenant
       *     - `LIMIT_REACHED` (409): The tenant holds the most alert channels, rules, silences, custom metrics or event subscriptions it may: delete one first
       *     - `PAYLOAD_TOO_LARGE` (413): The body is larger than the limit (100 kB)
       *     - `RATE_LIMITED` (429): A rate limit was passed; `Retry-After` says when to try again
       *     - `TOO_MANY_STREAMS` (429): The API key already holds the most open live streams it may
       *     - `REQUEST_REJECTED` (400): Any other client error (e.g. 415 an unsupported media type or charset); the status varies: the 4xx of the error itself
       *     - `INTERNAL` (500): An unexpected error; the body says nothing about internals
       *     - `STORAGE_UNAVAILABLE` (503): Redis is unreachable; try again shortly
       *     - `NOT_READY` (503): A dependency of this instance is down (`/health/ready`); the body's `details` says which (`info` lists those up)
       *     - `COLD_STORE_UNAVAILABLE` (503): The cold history store did not answer; repeat the request
       * @example TIER_REQUIRED
       * @enum {string}
       */
      code:
        | 'VALIDATION_FAILED'
        | 'MALFORMED_BODY'
        | 'UNAUTHENTICATED'
        | 'TIER_REQUIRED'
        | 'RETENTION_EXCEEDED'
        | 'READ_ONLY_VIEW'
        | 'ROUTE_NOT_FOUND'
        | 'TENANT_NOT_FOUND'
        | 'API_KEY_NOT_FOUND'
        | 'CHANNEL_NOT_FOUND'
        | 'RULE_NOT_FOUND'
        | 'SILENCE_NOT_FOUND'
        | 'CUSTOM_METRIC_NOT_FOUND'
        | 'ANOMALY_NOT_FOUND'
        | 'SUBSCRIPTION_NOT_FOUND'
        | 'CLIENT_NOT_FOUND'
        | 'SUBJECT_NOT_FOUND'
        | 'TENANT_EXISTS'
        | 'NATS_IDENTITY_TAKEN'
        | 'LIMIT_REACHED'
        | 'PAYLOAD_TOO_LARGE'
        | 'RATE_LIMITED'
        | 'TOO_MANY_STREAMS'
        | 'REQUEST_REJECTED'
        | 'INTERNAL'
        | 'STORAGE_UNAVAILABLE'
        | 'NOT_READY'
        | 'COLD_STORE_UNAVAILABLE';
      /** @description Per-field problems of a 400 */
      details?: Record<string, never>[];
      /**
       * @description 403 only
       * @enum {string}
       */
      requiredTier?: 'basic' | 'professional' | 'enterprise';
      /**
       * @description 403 only
       * @enum {string}
       */
      currentTier?: 'basic' | 'professional' | 'enterprise';
      /**
       * @description 429 of a domain's own limit (e.g. a replay): seconds until a retry may pass, as `Retry-After` says
       * @example 7
       */
      retryAfter?: number;
    };
    RealtimeBasic: {
      tenantId: string;
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      tier: 'basic';
      /** Format: date-time */
      generatedAt: string;
      messages: {
        total: number;
        today: number;
        lastMinute: number;
        perSecond: number;
      };
      bytes: {
        total: number;
        today: number;
        lastMinute: number;
        perSecond: number;
      };
      clients: {
        active: number;
        total: number;
      };
      /** @description With recent=true: message and byte rates of the last minutes, oldest first, one every 10 s (times: each window end, epoch s) */
      recent?: {
        times: number[];
        messages: number[];
        bytes: number[];
      };
    };
    RealtimeProfessional: {
      tenantId: string;
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      tier: 'professional';
      /** Format: date-time */
      generatedAt: string;
      messages: {
        total: number;
        today: number;
        lastMinute: number;
        perSecond: number;
      };
      bytes: {
        total: number;
        today: number;
        lastMinute: number;
        perSecond: number;
      };
      clients: {
        active: number;
        total: number;
      };
      /** @description With recent=true: message and byte rates of the last minutes, oldest first, one every 10 s (times: each window end, epoch s) */
      recent?: {
        times: number[];
        messages: number[];
        bytes: number[];
      };
      throughput: {
        mbps: number;
      };
      latencyMs: {
        p50: number;
        p95: number;
        p99: number;
        samples: number;
      };
      subjects: {
        distinct: number;
        top: {
          subject: string;
          messages: number;
          bytes: number;
        }[];
      };
      sampling?: {
        fraction: number;
      };
    };
    RealtimeEnterprise: {
      tenantId: string;
      /**
       * @description discriminator enum property added by openapi-typescript
       * @enum {string}
       */
      tier: 'enterprise';
      /** Format: date-time */
      generatedAt: string;
      messages: {
        total: number;
        today: number;
        lastMinute: number;
        perSecond: number;
      };
      bytes: {
        total: number;
        today: number;
        lastMinute: number;
        perSecond: number;
      };
      clients: {
        active: number;
        total: number;
      };
      /** @description With recent=true: message and byte rates of the last minutes, oldest first, one every 10 s (times: each window end, epoch s) */
      recent?: {
        times: number[];
        messages: number[];
        bytes: number[];
      };
      throughput: {
        mbps: number;
      };
      latencyMs: {
        p50: number;
        p95: number;
        p99: number;
        samples: number;
      };
      subjects: {
        distinct: number;
        top: {
          subject: string;
          messages: number;
          bytes: number;
        }[];
      };
      sampling?: {
        fraction: number;
      };
      errorRate: number;
      anomalies: {
        open: number;
      };
      custom: {
        id: string;
        name: string;
        unit: string | null;
        /** @enum {string} */
        aggregation: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'p50' | 'p95' | 'p99';
        lastMinute: number | null;
        perSecond?: number;
        today: number | null;
        unparsable: number;
        tooLarge: number;
      }[];
    };
    Realtime:
      | components['schemas']['RealtimeBasic']
      | components['schemas']['RealtimeProfessional']
      | components['schemas']['RealtimeEnterprise'];
    Connections: {
      tenantId: string;
      /** Format: date-time */
      generatedAt: string;
      enabled: boolean;
      summary: {
        connected: number;
        withoutSdk: number;
        connectedSilent: number;
        unverified: number;
      } | null;
      connections: {
        key: string;
        server: string;
        cid: number;
        clientId: string | null;
        /** @enum {string} */
        by: 'account' | 'user' | 'nkey' | 'name';
        verified: boolean;
        name: string | null;
        account: string | null;
        user: string | null;
        host: string | null;
        lang: string | null;
        version: string | null;
        rttMs: number | null;
        connectedAt: string | null;
        /** @enum {string} */
        state: 'connected' | 'disconnected';
        disconnectedAt?: string;
        reason?: string;
        sent?: {
          msgs: number;
          bytes: number;
        };
        received?: {
          msgs: number;
          bytes: number;
        };
      }[];
    };
    ClientPage: {
      tenantId: string;
      /** @enum {string} */
      tier: 'professional' | 'enterprise';
      /** Format: date-time */
      generatedAt: string;
      /** Format: date-time */
      historyFrom: string;
      client: {
        clientId: string;
        /** @enum {string} */
        status: 'healthy' | 'degraded' | 'unhealthy' | 'offline';
        online: boolean;
        /** Format: date-time */
        lastSeen: string | null;
        /** Format: date-time */
        connectedSince: string | null;
        metrics: {
          messagesSent: number;
          messagesReceived: number;
          errors: number;
          uptimeSeconds: number;
        };
        connection: {
          /** @enum {string} */
          state: 'connected' | 'disconnected' | 'unknown';
          silent: boolean;
          server: string | null;
          connectedSince: string | null;
          rttMs: number | null;
          lang: string | null;
          version: string | null;
          disconnectedAt: string | null;
          reason: string | null;
          sent: {
            msgs: number;
            bytes: number;
          } | null;
          received: {
            msgs: number;
            bytes: number;
          } | null;
        };
      };
      timeline: {
        /** @enum {string} */
        type: 'online' | 'status_changed' | 'offline' | 'connected' | 'disconnected';
        /** @enum {string|null} */
        status: 'healthy' | 'degraded' | 'unhealthy' | 'offline' | null;
        /** @enum {string|null} */
        previousStatus: 'healthy' | 'degraded' | 'unhealthy' | 'offline' | null;
        /** Format: date-time */
        at: string;
        server?: string;
        rttMs?: number | null;
        reason?: string | null;
      }[];
      offlinePeriods: {
        /** Format: date-time */
        from: string;
        /** Format: date-time */
        to: string | null;
        seconds: number | null;
      }[];
      closedConnections: {
        server: string;
        connectedAt: string | null;
        disconnectedAt: string | null;
        reason: string | null;
        rttMs: number | null;
      }[];
      anomalies:
        | {
            id: string;
            /** @enum {string} */
            type:
              | 'rate_spike'
              | 'traffic_drop'
              | 'error_rate'
              | 'unusual_subject'
              | 'client_flapping'
              | 'security'
              | 'slow_consumer'
              | 'spike'
              | 'dip'
              | 'level_shift'
              | 'drift'
              | 'consumer_stalled'
              | 'redelivery_storm'
              | 'stream_near_limit';
            /** @enum {string} */
            severity: 'info' | 'warning' | 'critical';
            /** @enum {string} */
            status: 'open' | 'resolved';
            summary: string;
            details: {
              /** @description What opened it: a named rule (rate_spike, traffic_drop, error_rate, unusual_subject, unusual_subject:distinct, security, security:nats_auth, security:churn, slow_consumer, client_flapping), the statistical model's kind (spike, dip, level_shift, drift) or a JetStream family (consumer_stalled, redelivery_storm, stream_near_limit) */
              detector?: string;
              /** @description The figure judged: the series value (statistical model), or the figure the rule checks */
              value?: number;
              /** @description What was taken as normal for the window (null: the rule has no baseline) */
              expected?: number | null;
              /** @description Lower edge of the expected range: the model's expected − 3 spreads (not below 0 for a series never below 0), or the bound a rule lets through (null: none) */
              lower?: number | null;
              /** @description Upper edge of the expected range: the model's expected + 3 spreads, or the bound a rule lets through (null: none) */
              upper?: number | null;
              /** @description How unusual, 0..1: 1 − the calibrated tail probability (statistical model), 1 for rules */
              score?: number;
            } & {
              [key: string]: unknown;
            };
            /** Format: date-time */
            detectedAt: string;
            /** Format: date-time */
            resolvedAt: string | null;
          }[]
        | null;
    };
    SubjectPage: {
      tenantId: string;
      /** Format: date */
      day: string;
      /** @enum {string} */
      sort: 'messages' | 'bytes' | 'subject';
      /** @enum {string} */
      order: 'asc' | 'desc';
      offset: number;
      limit: number;
      total: number;
      subjects: {
        subject: string;
        messages: number;
        bytes: number;
      }[];
    };
    SubjectDetail: {
      tenantId: string;
      subject: string;
      /** Format: date-time */
      generatedAt: string;
      /** Format: date-time */
      historyFrom: string;
      days: {
        /** Format: date */
        day: string;
        messages: number;
        bytes: number;
        perSecond: number;
        tenantMessages: number;
        share: number | null;
      }[];
      messages: number;
      share: number | null;
      anomalies:
        | {
            id: string;
            /** @enum {string} */
            type:
              | 'rate_spike'
              | 'traffic_drop'
              | 'error_rate'
              | 'unusual_subject'
              | 'client_flapping'
              | 'security'
              | 'slow_consumer'
              | 'spike'
              | 'dip'
              | 'level_shift'
              | 'drift'
              | 'consumer_stalled'
              | 'redelivery_storm'
              | 'stream_near_limit';
            /** @enum {string} */
            severity: 'info' | 'warning' | 'critical';
            /** @enum {string} */
            status: 'open' | 'resolved';
            summary: string;
            details: {
              /** @description What opened it: a named rule (rate_spike, traffic_drop, error_rate, unusual_subject, unusual_subject:distinct, security, security:nats_auth, security:churn, slow_consumer, client_flapping), the statistical model's kind (spike, dip, level_shift, drift) or a JetStream family (consumer_stalled, redelivery_storm, stream_near_limit) */
              detector?: string;
              /** @description The figure judged: the series value (statistical model), or the figure the rule checks */
              value?: number;
              /** @description What was taken as normal for the window (null: the rule has no baseline) */
              expected?: number | null;
              /** @description Lower edge of the expected range: the model's expected − 3 spreads (not below 0 for a series never below 0), or the bound a rule lets through (null: none) */
              lower?: number | null;
              /** @description Upper edge of the expected range: the model's expected + 3 spreads, or the bound a rule lets through (null: none) */
              upper?: number | null;
              /** @description How unusual, 0..1: 1 − the calibrated tail probability (statistical model), 1 for rules */
              score?: number;
            } & {
              [key: string]: unknown;
            };
            /** Format: date-time */
            detectedAt: string;
            /** Format: date-time */
            resolvedAt: string | null;
          }[]
        | null;
    };
    PresenceSummaryOnly: {
      tenantId: string;
      /** @enum {string} */
      tier: 'basic';
      /** Format: date-time */
      generatedAt: string;
      summary: {
        online: number;
        healthy: number;
        degraded: number;
        unhealthy: number;
        offline: number;
        total: number;
      };
      connections: {
        connected: number;
        withoutSdk: number;
        connectedSilent: number;
        unverified: number;
      } | null;
    };
    PresenceWithClients: {
      tenantId: string;
      /** @enum {string} */
      tier: 'professional' | 'enterprise';
      /** Format: date-time */
      generatedAt: string;
      summary: {
        online: number;
        healthy: number;
        degraded: number;
        unhealthy: number;
        offline: number;
        total: number;
      };
      connections: {
        connected: number;
        withoutSdk: number;
        connectedSilent: number;
        unverified: number;
      } | null;
      clients: {
        clientId: string;
        /** @enum {string} */
        status: 'healthy' | 'degraded' | 'unhealthy' | 'offline';
        online: boolean;
        /** Format: date-time */
        lastSeen: string | null;
        /** Format: date-time */
        connectedSince: string | null;
        metrics: {
          messagesSent: number;
          messagesReceived: number;
          errors: number;
          uptimeSeconds: number;
        };
        connection: {
          /** @enum {string} */
          state: 'connected' | 'disconnected' | 'unknown';
          silent: boolean;
          server: string | null;
          connectedSince: string | null;
          rttMs: number | null;
          lang: string | null;
          version: string | null;
          disconnectedAt: string | null;
          reason: string | null;
          sent: {
            msgs: number;
            bytes: number;
          } | null;
          received: {
            msgs: number;
            bytes: number;
          } | null;
        };
      }[];
      nextCursor: string | null;
    };
    Presence: components['schemas']['PresenceSummaryOnly'] | components['schemas']['PresenceWithClients'];
    SeriesPoint: {
      /** Format: date-time */
      timestamp: string;
      messages: number;
      bytes: number;
      activeClients: number;
      latencyP50Ms: number;
      latencyP95Ms: number;
      latencyP99Ms: number;
      errors: number;
    };
    ExportRow: {
      /** Format: date-time */
      timestamp: string;
      messages: number;
      bytes: number;
      activeClients: number;
      latencyP50Ms: number;
      latencyP95Ms: number;
      latencyP99Ms: number;
      errors: number;
      custom?: {
        [key: string]: number | null;
      };
    };
    CustomMetric: {
      id: string;
      name: string;
      subject: string;
      /** @enum {string} */
      source: 'count' | 'json' | 'header';
      field: string | null;
      header: string | null;
      /** @enum {string} */
      aggregation: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'p50' | 'p95' | 'p99';
      unit: string | null;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    CustomMetricList: {
      metrics: components['schemas']['CustomMetric'][];
    };
    CustomMetricSeries: {
      tenantId: string;
      metric: {
        id: string;
        name: string;
        unit: string | null;
        /** @enum {string} */
        aggregation: 'count' | 'sum' | 'avg' | 'min' | 'max' | 'p50' | 'p95' | 'p99';
      };
      /** @enum {string} */
      period: '1h' | '24h' | '7d' | '30d';
      /** @enum {string} */
      resolution: '1m' | '5m' | '1h' | '1d';
      /** Format: date-time */
      from: string;
      /** Format: date-time */
      to: string;
      series: {
        /** Format: date-time */
        timestamp: string;
        value: number | null;
        count: number;
        unparsable: number;
        tooLarge: number;
      }[];
      totals: {
        value: number | null;
        count: number;
        unparsable: number;
        tooLarge: number;
      };
    };
    Analytics: {
      tenantId: string;
      /** @enum {string} */
      tier: 'professional' | 'enterprise';
      /**
       * @description custom: a range asked with from and to
       * @enum {string}
       */
      period: '1h' | '24h' | '7d' | '30d' | '90d' | '365d' | 'custom';
      /** @enum {string} */
      resolution: '1m' | '5m' | '1h' | '1d';
      /** Format: date-time */
      from: string;
      /** Format: date-time */
      to: string;
      series: components['schemas']['SeriesPoint'][];
      totals: {
        messages: number;
        bytes: number;
        peakMessagesPerSecond: number;
        errors: number;
      };
      subjects: {
        distinct: number;
        top: {
          subject: string;
          messages: number;
          bytes: number;
        }[];
      };
      clients?: {
        /** Format: date-time */
        from: string;
        total: number;
        truncated: boolean;
        items: {
          clientId: string;
          messagesSent: number;
          messagesReceived: number;
          errors: number;
          onlineSeconds: number;
          sessions: number;
          reconnects: number;
          offlineTransitions: number;
          uptimePercent: number;
          errorRate: number;
        }[];
        outliers: {
          clientId: string;
          reasons: ('error_rate' | 'volume_high' | 'volume_low' | 'flapping')[];
        }[];
      };
      forecast?: {
        /** @enum {string} */
        method: 'holt_winters' | 'holt';
        historyHours: number;
        rmse: number;
        points: {
          /** Format: date-time */
          timestamp: string;
          messages: number;
          lower: number;
          upper: number;
          p80: {
            lower: number;
            upper: number;
          };
          p95: {
            lower: number;
            upper: number;
          };
        }[];
        quota: {
          monthlyMessageQuota: number;
          usedThisMonth: number;
          /** Format: date-time */
          projectedExceededAt: string | null;
          /** Format: date-time */
          projectedExceededAtPessimistic: string | null;
        } | null;
      } | null;
    };
    Anomaly: {
      id: string;
      /** @enum {string} */
      type:
        | 'rate_spike'
        | 'traffic_drop'
        | 'error_rate'
        | 'unusual_subject'
        | 'client_flapping'
        | 'security'
        | 'slow_consumer'
        | 'spike'
        | 'dip'
        | 'level_shift'
        | 'drift'
        | 'consumer_stalled'
        | 'redelivery_storm'
        | 'stream_near_limit';
      /** @enum {string} */
      severity: 'info' | 'warning' | 'critical';
      /** @enum {string} */
      status: 'open' | 'resolved';
      summary: string;
      details: {
        /** @description What opened it: a named rule (rate_spike, traffic_drop, error_rate, unusual_subject, unusual_subject:distinct, security, security:nats_auth, security:churn, slow_consumer, client_flapping), the statistical model's kind (spike, dip, level_shift, drift) or a JetStream family (consumer_stalled, redelivery_storm, stream_near_limit) */
        detector?: string;
        /** @description The figure judged: the series value (statistical model), or the figure the rule checks */
        value?: number;
        /** @description What was taken as normal for the window (null: the rule has no baseline) */
        expected?: number | null;
        /** @description Lower edge of the expected range: the model's expected − 3 spreads (not below 0 for a series never below 0), or the bound a rule lets through (null: none) */
        lower?: number | null;
        /** @description Upper edge of the expected range: the model's expected + 3 spreads, or the bound a rule lets through (null: none) */
        upper?: number | null;
        /** @description How unusual, 0..1: 1 − the calibrated tail probability (statistical model), 1 for rules */
        score?: number;
      } & {
        [key: string]: unknown;
      };
      /** Format: date-time */
      detectedAt: string;
      /** Format: date-time */
      resolvedAt: string | null;
    };
    SeriesModel: {
      /** @description messages, bytes, error_rate, active_clients, latency_p95, or custom:<id> */
      metric: string;
      /** @description What summaries call it (a custom metric's name) */
      name: string;
      /** @enum {string} */
      state: 'warming_up' | 'ready';
      /** @description Windows with data the model still has to learn (0: ready) */
      windowsToWarm: number;
      /**
       * Format: date-time
       * @description While warming up: the end of the last window it needs, if every window from windowAt on has data for the series
       */
      warmUntil: string | null;
      /**
       * Format: date-time
       * @description Start of the window the range is for: the next one the detection closes
       */
      windowAt: string;
      /** @description The model's expected value for that window (null: too few windows yet) */
      expected: number | null;
      /** @description expected − 3 robust spreads (not below 0 for a series never below 0) */
      lower: number | null;
      /** @description expected + 3 robust spreads */
      upper: number | null;
    };
    AnomalyList: {
      tenantId: string;
      /** @enum {string} */
      tier: 'enterprise';
      hours: number;
      /** Format: date-time */
      from: string;
      /** Format: date-time */
      to: string;
      /** @description Length of a detection window (ANOMALY_WINDOW_SECONDS) */
      windowSeconds: number;
      /** @description Each series the statistical model watches, from the stored detection state: the built-in series, then each custom metric */
      models: components['schemas']['SeriesModel'][];
      anomalies: components['schemas']['Anomaly'][];
    };
    AnomalyStory: {
      tenantId: string;
      anomaly: components['schemas']['Anomaly'];
      /** @description The rule (e.g. rate_spike) or the statistical detector's kind (spike, dip, level_shift, drift) */
      detector: string;
      score: number | null;
      window: {
        /** Format: date-time */
        from: string;
        /** Format: date-time */
        to: string;
        seconds: number;
      };
      /** @description The anomaly window's value and the range it was judged against (null: its details do not say) */
      expected: {
        value: number | null;
        expected: number | null;
        lower: number | null;
        upper: number | null;
      };
      series: {
        /** @enum {string} */
        metric: 'messages' | 'bytes' | 'error_rate' | 'active_clients' | 'latency_p95';
        /** Format: date-time */
        from: string;
        /** Format: date-time */
        to: string;
        windowSeconds: number;
        points: {
          /** Format: date-time */
          at: string;
          value: number | null;
          expected: number | null;
          lower: number | null;
          upper: number | null;
        }[];
      };
      subjects: {
        day: string;
        /** @description Earlier days held whose rankings make the usual rate (0: none, usualRate null) */
        earlierDays: number;
        subjects: {
          subject: string;
          messages: number;
          rate: number;
          usualRate: number | null;
          change: number;
        }[];
      };
      clients: {
        clientId: string;
        status: string | null;
        changes: string[];
      }[];
      connections: {
        at: string;
        /** @enum {string} */
        event: 'connected' | 'disconnected';
        key: string;
        clientId: string | null;
        name: string | null;
        verified: boolean;
        reason: string | null;
      }[];
      jetstream: {
        /** Format: date-time */
        windowAt: string;
        advisories: {
          [key: string]: number;
        };
        maxDeliveries: {
          stream: string;
          consumer: string;
          count: number;
        }[];
      }[];
    };
    Backtest: {
      tenantId: string;
      /** @enum {string} */
      period: '7d' | '30d';
      /** @enum {string} */
      sensitivity: 'low' | 'medium' | 'high';
      windowSeconds: number;
      /** Format: date-time */
      from: string;
      /** Format: date-time */
      to: string;
      windows: number;
      anomalies: {
        /** Format: date-time */
        detectedAt: string;
        /** @enum {string} */
        type:
          | 'rate_spike'
          | 'traffic_drop'
          | 'error_rate'
          | 'unusual_subject'
          | 'client_flapping'
          | 'security'
          | 'slow_consumer'
          | 'spike'
          | 'dip'
          | 'level_shift'
          | 'drift'
          | 'consumer_stalled'
          | 'redelivery_storm'
          | 'stream_near_limit';
        severity: string;
        score: number;
        summary: string;
        details: {
          /** @description What opened it: a named rule (rate_spike, traffic_drop, error_rate, unusual_subject, unusual_subject:distinct, security, security:nats_auth, security:churn, slow_consumer, client_flapping), the statistical model's kind (spike, dip, level_shift, drift) or a JetStream family (consumer_stalled, redelivery_storm, stream_near_limit) */
          detector?: string;
          /** @description The figure judged: the series value (statistical model), or the figure the rule checks */
          value?: number;
          /** @description What was taken as normal for the window (null: the rule has no baseline) */
          expected?: number | null;
          /** @description Lower edge of the expected range: the model's expected − 3 spreads (not below 0 for a series never below 0), or the bound a rule lets through (null: none) */
          lower?: number | null;
          /** @description Upper edge of the expected range: the model's expected + 3 spreads, or the bound a rule lets through (null: none) */
          upper?: number | null;
          /** @description How unusual, 0..1: 1 − the calibrated tail probability (statistical model), 1 for rules */
          score?: number;
        } & {
          [key: string]: unknown;
        };
      }[];
    };
    TenantHealth: {
      tenantId: string;
      /** @enum {string} */
      tier: 'basic' | 'professional' | 'enterprise';
      /** Format: date-time */
      generatedAt: string;
      /** @enum {string} */
      status: 'ok' | 'degraded';
      clients: {
        healthy: number;
        degraded: number;
        unhealthy: number;
        offline: number;
        total: number;
      };
      heartbeats: {
        rejected: {
          [key: string]: number;
        };
      };
      pulse: {
        nats: {
          state: string;
          reconnects: number;
          slowConsumerEvents: number;
        };
        redis: {
          state: string;
          pingMs: number | null;
          /** Format: date-time */
          dataLossDetectedAt: string | null;
        };
        coldStore: {
          /** @enum {string} */
          state: 'off' | 'ok' | 'degraded';
          /** Format: date-time */
          since: string | null;
        };
        natsSystem: {
          /** @enum {string} */
          state: 'off' | 'connected' | 'disconnected';
          detail: string | null;
        };
        pipeline: {
          flushIntervalMs: number;
          /** Format: date-time */
          lastFlushAt: string | null;
          backlogMessages: number;
          rejectedMessages: number;
        };
      };
    };
    Tenant: {
      id: string;
      name: string;
      /** @enum {string} */
      tier: 'basic' | 'professional' | 'enterprise';
      plan: string | null;
      /** @enum {string} */
      status: 'active' | 'disabled';
      monthlyMessageQuota: number | null;
      /** @enum {string} */
      anomalySensitivity: 'low' | 'medium' | 'high';
      sampling: number;
      retentionDays: number | null;
      natsIdentities: {
        accounts: string[];
        users: string[];
        nkeys: string[];
      };
      natsAccount: string | null;
      limits: {
        connections: number | null;
        subscriptions: number | null;
        payload: number | null;
        data: number | null;
        jetstreamMemory: number | null;
        jetstreamStorage: number | null;
        jetstreamStreams: number | null;
        jetstreamConsumers: number | null;
      };
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    TenantCreated: {
      id: string;
      name: string;
      /** @enum {string} */
      tier: 'basic' | 'professional' | 'enterprise';
      plan: string | null;
      /** @enum {string} */
      status: 'active' | 'disabled';
      monthlyMessageQuota: number | null;
      /** @enum {string} */
      anomalySensitivity: 'low' | 'medium' | 'high';
      sampling: number;
      retentionDays: number | null;
      natsIdentities: {
        accounts: string[];
        users: string[];
        nkeys: string[];
      };
      natsAccount: string | null;
      limits: {
        connections: number | null;
        subscriptions: number | null;
        payload: number | null;
        data: number | null;
        jetstreamMemory: number | null;
        jetstreamStorage: number | null;
        jetstreamStreams: number | null;
        jetstreamConsumers: number | null;
      };
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      keyId: string;
      apiKey: string;
    };
    TenantWithKeys: {
      id: string;
      name: string;
      /** @enum {string} */
      tier: 'basic' | 'professional' | 'enterprise';
      plan: string | null;
      /** @enum {string} */
      status: 'active' | 'disabled';
      monthlyMessageQuota: number | null;
      /** @enum {string} */
      anomalySensitivity: 'low' | 'medium' | 'high';
      sampling: number;
      retentionDays: number | null;
      natsIdentities: {
        accounts: string[];
        users: string[];
        nkeys: string[];
      };
      natsAccount: string | null;
      limits: {
        connections: number | null;
        subscriptions: number | null;
        payload: number | null;
        data: number | null;
        jetstreamMemory: number | null;
        jetstreamStorage: number | null;
        jetstreamStreams: number | null;
        jetstreamConsumers: number | null;
      };
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      apiKeys: {
        keyId: string;
        /** Format: date-time */
        createdAt: string;
      }[];
    };
    TenantPage: {
      tenants: {
        id: string;
        name: string;
        /** @enum {string} */
        tier: 'basic' | 'professional' | 'enterprise';
        plan: string | null;
        /** @enum {string} */
        status: 'active' | 'disabled';
        monthlyMessageQuota: number | null;
        /** @enum {string} */
        anomalySensitivity: 'low' | 'medium' | 'high';
        sampling: number;
        retentionDays: number | null;
        natsIdentities: {
          accounts: string[];
          users: string[];
          nkeys: string[];
        };
        natsAccount: string | null;
        limits: {
          connections: number | null;
          subscriptions: number | null;
          payload: number | null;
          data: number | null;
          jetstreamMemory: number | null;
          jetstreamStorage: number | null;
          jetstreamStreams: number | null;
          jetstreamConsumers: number | null;
        };
        /** Format: date-time */
        createdAt: string;
        /** Format: date-time */
        updatedAt: string;
      }[];
      nextCursor: string | null;
    };
    ApiKeyList: {
      apiKeys: {
        keyId: string;
        /** Format: date-time */
        createdAt: string;
      }[];
    };
    ApiKeyIssued: {
      keyId: string;
      apiKey: string;
      /** Format: date-time */
      createdAt: string;
    };
    AdminView: {
      tenantId: string;
      tier: string;
      /** Format: date-time */
      expiresAt: string;
      header: string;
    };
    TenantEntitlements: {
      tenantId: string;
      /** @enum {string} */
      tier: 'basic' | 'professional' | 'enterprise';
      historyDays: number;
      features: {
        /** @enum {string} */
        feature:
          | 'realtimeDetail'
          | 'clientList'
          | 'connections'
          | 'analytics'
          | 'exports'
          | 'jetstream'
          | 'eventSubscriptions'
          | 'errorRate'
          | 'anomalies'
          | 'clientBehaviour'
          | 'forecast'
          | 'customMetrics'
          | 'alerts'
          | 'auditLog'
          | 'jetstreamHistory';
        /** @enum {string} */
        requiredTier: 'basic' | 'professional' | 'enterprise';
        entitled: boolean;
      }[];
    };
    Channel: {
      id: string;
      /** @enum {string} */
      type: 'slack' | 'pagerduty' | 'email' | 'webhook';
      name: string;
      /** @description slack: webhookUrl; pagerduty: routingKey; email: to; webhook: url and secret. Secrets masked. */
      config: {
        webhookUrl?: string;
        routingKey?: string;
        to?: string[];
        url?: string;
        secret?: string;
      };
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    ChannelCreated: {
      id: string;
      /** @enum {string} */
      type: 'slack' | 'pagerduty' | 'email' | 'webhook';
      name: string;
      /** @description slack: webhookUrl; pagerduty: routingKey; email: to; webhook: url and secret. Secrets masked. */
      config: {
        webhookUrl?: string;
        routingKey?: string;
        to?: string[];
        url?: string;
        secret?: string;
      };
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      signingSecret?: string;
    };
    ChannelList: {
      channels: components['schemas']['Channel'][];
    };
    ChannelTest: {
      channelId: string;
      delivered: boolean;
      statusCode: number | null;
      latencyMs: number;
      error: string | null;
    };
    Rule: {
      id: string;
      name: string;
      /** @description One of messages_per_second, bytes_per_second, error_rate, latency_p95_ms, latency_p99_ms, online_clients, offline_clients, unhealthy_clients, custom:<id> (a custom metric's last complete minute), jetstream:<stream>/<consumer>:<pending|ackPending|redelivered> or jetstream:<stream>:<fill|messages|bytes> (the last JetStream poll) */
      metric: string;
      /** @enum {string} */
      operator: 'gt' | 'lt';
      threshold: number;
      forSeconds: number;
      /** @enum {string} */
      severity: 'info' | 'warning' | 'critical';
      channelIds: string[];
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
    };
    RuleList: {
      rules: components['schemas']['Rule'][];
    };
    Silence: {
      id: string;
      matcher: {
        ruleId?: string;
        /** @enum {string} */
        anomalyType?:
          | 'rate_spike'
          | 'traffic_drop'
          | 'error_rate'
          | 'unusual_subject'
          | 'client_flapping'
          | 'security'
          | 'slow_consumer'
          | 'spike'
          | 'dip'
          | 'level_shift'
          | 'drift'
          | 'consumer_stalled'
          | 'redelivery_storm'
          | 'stream_near_limit';
        /** @enum {string} */
        severity?: 'info' | 'warning' | 'critical';
        alertKey?: string;
      };
      /** Format: date-time */
      until: string;
      /** Format: date-time */
      createdAt: string;
    };
    SilenceList: {
      silences: components['schemas']['Silence'][];
    };
    AlertList: {
      alerts: {
        /** Format: date-time */
        at: string;
        alertKey: string;
        /** @enum {string} */
        source: 'anomaly' | 'rule' | 'limit' | 'events';
        anomalyId?: string;
        ruleId?: string;
        crossingId?: string;
        rule: string;
        type: string;
        /** @enum {string} */
        severity: 'info' | 'warning' | 'critical';
        /** @enum {string} */
        status: 'firing' | 'resolved' | 'repeat';
        summary: string;
        silenced: boolean;
      }[];
    };
    DeliveryList: {
      deliveries: {
        /** Format: date-time */
        at: string;
        alertKey: string;
        /** @enum {string} */
        event: 'trigger' | 'resolve' | 'test';
        channelId: string;
        /** @enum {string} */
        channelType: 'slack' | 'pagerduty' | 'email' | 'webhook';
        attempt: number;
        /** @enum {string} */
        outcome: 'delivered' | 'retrying' | 'failed' | 'dropped';
        statusCode: number | null;
        latencyMs: number;
        error: string | null;
      }[];
    };
    Live: {
      /** @enum {string} */
      status: 'ok';
      /** @description Pulse's version (package.json; semantic versioning) */
      version: string;
    };
    AdminOverview: {
      /** Format: date-time */
      generatedAt: string;
      pulse: {
        nats: string;
        redis: string;
        redisPingMs: number | null;
        backlogMessages: number;
        /** Format: date-time */
        lastFlushAt: string | null;
        flushLagMs: number | null;
        jobFailuresLastHour: number;
        instances: {
          id: string;
          /** Format: date-time */
          startedAt: string;
          /** Format: date-time */
          reportedAt: string;
          nats: string;
          backlogMessages: number;
          /** Format: date-time */
          lastFlushAt: string | null;
          flushes: number;
          shard: number;
          shards: number;
          tenants: number | null;
        }[];
      };
      tenants: {
        id: string;
        name: string;
        /** @enum {string} */
        tier: 'basic' | 'professional' | 'enterprise';
        /** @enum {string} */
        status: 'active' | 'disabled';
        messagesPerSecond: number;
        messagesToday: number;
        clientsOnline: number;
        clientsTotal: number;
        openAnomalies: number;
        /** Format: date-time */
        lastActivityAt: string | null;
      }[];
      nextCursor: string | null;
      topTenants: {
        id: string;
        messagesToday: number;
      }[];
      incidents: {
        /** Format: date-time */
        at: string;
        instance: string;
        incident: string;
        /** @enum {string} */
        event: 'opened' | 'resolved';
        summary: string;
      }[];
      jetstream: {
        status: {
          /** @enum {string} */
          state: 'off' | 'ok' | 'error';
          detail: string | null;
          /** Format: date-time */
          lastPollAt: string | null;
          unowned: number;
        };
        worstConsumers: {
          tenantId: string;
          stream: string;
          consumer: string;
          pending: number;
          ackPending: number;
          drain: {
            /** @enum {string} */
            state: 'drained' | 'draining' | 'not_draining' | 'unknown';
            seconds?: number;
          };
          /** Format: date-time */
          polledAt: string;
        }[];
        advisories: {
          /** @enum {string} */
          state: 'off' | 'on' | 'error';
          counted: number;
          rejected: number;
          unmatched: number;
          dropped: number;
          /** Format: date-time */
          lastAt: string | null;
        };
      };
    };
    AuditPage: {
      entries: {
        id: string;
        /** Format: date-time */
        at: string;
        actor: {
          /** @enum {string} */
          type: 'admin' | 'tenant' | 'unknown';
          keyId?: string;
        };
        tenantId?: string;
        /** @enum {string} */
        action:
          | 'tenant.create'
          | 'tenant.update'
          | 'tenant.erase'
          | 'tenant.export'
          | 'tenant.view'
          | 'apikey.issue'
          | 'apikey.revoke'
          | 'channel.create'
          | 'channel.update'
          | 'channel.delete'
          | 'channel.test'
          | 'rule.create'
          | 'rule.update'
          | 'rule.delete'
          | 'silence.create'
          | 'silence.delete'
          | 'custom_metric.create'
          | 'custom_metric.update'
          | 'custom_metric.delete'
          | 'event_subscription.create'
          | 'event_subscription.update'
          | 'event_subscription.delete'
          | 'event_subscription.rotate'
          | 'event_subscription.test'
          | 'event_subscription.replay'
          | 'anomaly.backtest'
          | 'metrics.export'
          | 'compliance.report'
          | 'usage.export'
          | 'auth.failure';
        target: string | null;
        requestId: string | null;
        sourceIp: string | null;
        /** @enum {string} */
        outcome: 'success' | 'failure';
        status: number;
        details?: {
          [key: string]: string | number;
        };
        erased?: boolean;
      }[];
      nextCursor: string | null;
    };
    ErasureReceipt: {
      tenantId: string;
      /** Format: date-time */
      erasedAt: string;
      removed: {
        redisKeys: number;
        coldItems: number;
      };
      remaining: number;
      /** @enum {boolean} */
      coldUnchecked?: true;
    };
    ComplianceReport: {
      /** Format: date-time */
      generatedAt: string;
      deployment: {
        natsTls: boolean;
        natsAuthentication: boolean;
        redisTls: boolean;
        redisPersistence: {
          appendOnly: boolean | null;
          adviceFollowed: boolean | null;
        };
        adminKeyConfigured: boolean;
        rateLimits: {
          perKeyPerMinute: number;
          perAddressPerMinute: number;
        };
        auditRetentionDays: number;
        coldStore: boolean;
      };
      failedAuthentication30d: {
        total: number;
        byReason: {
          [key: string]: number;
        };
        byDay: {
          day: string;
          count: number;
        }[];
      };
      tenants: {
        id: string;
        tier: string;
        status: string;
        retentionDays: number;
        /** Format: date-time */
        oldestData: string | null;
        retentionEnforced: boolean;
        keys: {
          keyId: string;
          /** Format: date-time */
          createdAt: string;
          ageDays: number;
          /** Format: date-time */
          lastUsedAt: string | null;
          unused90d: boolean;
        }[];
        failedAuthentication30d: {
          total: number;
          byReason: {
            [key: string]: number;
          };
          byDay: {
            day: string;
            count: number;
          }[];
        };
        channels: {
          id: string;
          type: string;
          host: string | null;
        }[];
      }[];
      erasures: {
        tenantId: string;
        /** Format: date-time */
        erasedAt: string;
        removed: {
          redisKeys: number;
          coldItems: number;
        };
        remaining: number;
        /** @enum {boolean} */
        coldUnchecked?: true;
      }[];
    };
    JetStreamStream: {
      name: string;
      subjects: string[];
      subjectsOmitted: number;
      messages: number;
      bytes: number;
      firstSeq: number;
      lastSeq: number;
      consumers: number;
      /** @enum {string} */
      storage?: 'file' | 'memory';
      limits: {
        maxMessages: number | null;
        maxBytes: number | null;
        maxAgeMs: number | null;
        maxConsumers: number | null;
      };
      fill: {
        messages: number | null;
        bytes: number | null;
        worst: number | null;
      };
      created: string;
    };
    JetStreamConsumer: {
      stream: string;
      name: string;
      /** @enum {string} */
      kind: 'push' | 'pull';
      durable: boolean;
      pending: number;
      ackPending: number;
      redelivered: number;
      waiting: number;
      deliveredSeq: number;
      ackFloorSeq: number;
      lastDeliveredAt: string | null;
      lastAckedAt: string | null;
      ackRate: number | null;
      pendingGrowth: number | null;
      drain: {
        /** @enum {string} */
        state: 'drained' | 'draining' | 'not_draining' | 'unknown';
        seconds?: number;
      };
    };
    JetStream: {
      tenantId: string;
      /** Format: date-time */
      generatedAt: string;
      status: {
        /** @enum {string} */
        state: 'off' | 'ok' | 'error';
        detail?: string;
        /** Format: date-time */
        lastPollAt: string | null;
      };
      /** Format: date-time */
      polledAt: string | null;
      streams: components['schemas']['JetStreamStream'][];
      consumers: components['schemas']['JetStreamConsumer'][];
      omitted: {
        streams: number;
        consumers: number;
      };
    };
    JetStreamHistory: {
      tenantId: string;
      /** @enum {string} */
      period: '1h' | '6h' | '24h' | '7d' | '30d';
      /** @enum {string} */
      resolution: 'minute' | 'hour';
      /** Format: date-time */
      from: string;
      /** Format: date-time */
      to: string;
      points: {
        /** Format: date-time */
        timestamp: string;
        streams: {
          name: string;
          messages: number;
          bytes: number;
          fill: number | null;
        }[];
        consumers: {
          stream: string;
          consumer: string;
          pending: number;
          ackPending: number;
          redelivered: number;
          maxPending: number;
        }[];
      }[];
    };
    AdminJetStream: {
      /** Format: date-time */
      generatedAt: string;
      status: {
        /** @enum {string} */
        state: 'off' | 'ok' | 'error';
        detail?: string;
        /** Format: date-time */
        lastPollAt: string | null;
        unowned: number;
      };
      /** Format: date-time */
      polledAt: string | null;
      streams: components['schemas']['JetStreamStream'][];
      omitted: number;
    };
    UsageRecord: {
      /** @description usage:<tenantId>:<YYYY-MM-DDTHH>, stable per tenant-hour */
      id: string;
      tenantId: string;
      /** Format: date-time */
      hourStart: string;
      /** Format: date-time */
      hourEnd: string;
      published: {
        messages: number;
        bytes: number;
      };
      ingress: {
        messages: number;
        bytes: number;
      };
      /** @description What the server delivered to the tenant's connections (fan-out included). In the accounts shape (natsAccount set) Pulse's own deliveries (its tap and heartbeat subscriptions, through the account's exports) are excluded: the server counts them in the account's sent figures and Pulse subtracts what it was delivered for the tenant over the period. Uses the tenant's current shape, also for a past hour. */
      egress: {
        messages: number;
        bytes: number;
      };
      connectionMinutes: number;
      /** @description JetStream bytes stored, sampled once a minute, ÷ 60; 3 decimals */
      jetstreamStorageByteHours: number;
    };
    UsageCloudEvent: {
      /** @enum {string} */
      specversion: '1.0';
      /** @description The record's id */
      id: string;
      /** @description USAGE_EXPORT_SOURCE */
      source: string;
      /** @enum {string} */
      type: 'io.pulse.usage.hourly';
      /** @description The tenant id */
      subject: string;
      /**
       * Format: date-time
       * @description The hour's start
       */
      time: string;
      /** @enum {string} */
      datacontenttype: 'application/json';
      data: components['schemas']['UsageRecord'];
    };
    /** @description A period's usage: Pulse's publish count beside the server's ingress and egress. Egress in the accounts shape excludes Pulse's own deliveries (tap and heartbeats). */
    UsageFigures: {
      published: {
        messages: number;
        bytes: number;
      };
      ingress: {
        messages: number;
        bytes: number;
      };
      /** @description What the server delivered to the tenant's connections (fan-out included). In the accounts shape (natsAccount set) Pulse's own deliveries (its tap and heartbeat subscriptions, through the account's exports) are excluded: the server counts them in the account's sent figures and Pulse subtracts what it was delivered for the tenant over the period. Uses the tenant's current shape, also for a past hour. */
      egress: {
        messages: number;
        bytes: number;
      };
      fanout: number | null;
      connectionMinutes: number;
      jetstreamStorageByteHours: number;
      refused: {
        connections: number;
        payloads: number;
        subscriptions: number;
      };
    };
    LimitUtilisation: {
      /** @enum {string} */
      limit:
        | 'connections'
        | 'subscriptions'
        | 'payload'
        | 'data'
        | 'jetstreamMemory'
        | 'jetstreamStorage'
        | 'jetstreamStreams'
        | 'jetstreamConsumers'
        | 'monthlyMessages';
      max: number | null;
      /** @enum {string} */
      source: 'account' | 'tenant' | 'none';
      used: number;
      utilisation: number | null;
      peakToday: number;
      peakUtilisation: number | null;
      /** @enum {string} */
      level: 'ok' | 'warning' | 'critical';
      forecast: {
        /** Format: date-time */
        reachedAt: string | null;
        /** Format: date-time */
        earliest: string | null;
        /** Format: date-time */
        latest: string | null;
        /** @enum {string} */
        method: 'holt_winters' | 'holt' | 'quota';
        horizonHours: number;
      } | null;
    };
    /** @description The tenant's usage and limits. Every egress figure (today, month, history) in the accounts shape excludes Pulse's own deliveries (its tap and heartbeats). */
    Usage: {
      tenantId: string;
      /** @enum {string} */
      shape: 'account' | 'subjects';
      natsAccount: string | null;
      /** @enum {string} */
      serverFigures: 'off' | 'connected' | 'disconnected';
      /** Format: date-time */
      polledAt: string | null;
      thresholds: {
        warning: number;
        critical: number;
      };
      today: components['schemas']['UsageFigures'];
      month: components['schemas']['UsageFigures'];
      /** Format: date-time */
      monthFrom: string;
      limits: components['schemas']['LimitUtilisation'][];
      history: {
        /** @enum {string} */
        granularity: 'hour' | 'day';
        points: {
          published: {
            messages: number;
            bytes: number;
          };
          ingress: {
            messages: number;
            bytes: number;
          };
          /** @description What the server delivered to the tenant's connections (fan-out included). In the accounts shape (natsAccount set) Pulse's own deliveries (its tap and heartbeat subscriptions, through the account's exports) are excluded: the server counts them in the account's sent figures and Pulse subtracts what it was delivered for the tenant over the period. Uses the tenant's current shape, also for a past hour. */
          egress: {
            messages: number;
            bytes: number;
          };
          fanout: number | null;
          connectionMinutes: number;
          jetstreamStorageByteHours: number;
          refused: {
            connections: number;
            payloads: number;
            subscriptions: number;
          };
          /** Format: date-time */
          timestamp: string;
        }[];
      };
    };
    AdminUsage: {
      /** Format: date-time */
      generatedAt: string;
      thresholds: {
        warning: number;
        critical: number;
      };
      total: number;
      tenants: {
        tenantId: string;
        /** @enum {string} */
        limit:
          | 'connections'
          | 'subscriptions'
          | 'payload'
          | 'data'
          | 'jetstreamMemory'
          | 'jetstreamStorage'
          | 'jetstreamStreams'
          | 'jetstreamConsumers'
          | 'monthlyMessages';
        used: number;
        max: number;
        utilisation: number;
        /** @enum {string} */
        level: 'ok' | 'warning' | 'critical';
        /** Format: date-time */
        reachedAt: string | null;
      }[];
    };
    EventSubscription: {
      id: string;
      /** @description Scheme, host and path (a query is shown as `?…`) */
      url: string;
      types: (
        | 'client.online'
        | 'client.status_changed'
        | 'client.offline'
        | 'connection.opened'
        | 'connection.closed'
        | 'limit.opened'
        | 'limit.resolved'
        | 'anomaly.opened'
        | 'anomaly.resolved'
      )[];
      clientFilter: string | null;
      /** @description Masked: the secret is shown once, when created or rotated */
      secret: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** @enum {string} */
      status: 'active' | 'failing' | 'paused';
      /** @description Why deliveries stopped (failures in a row); null while active */
      paused: {
        /** Format: date-time */
        at: string;
        failures: number;
        lastError: string | null;
      } | null;
      /** @description Failed requests in a row */
      failures: number;
      /** @description Events delivered */
      delivered: number;
      /** @description Events the tenant's backlog bound or retention dropped before this subscription took them */
      dropped: number;
      lastError: string | null;
      lastEventId: string | null;
    };
    EventSubscriptionCreated: {
      id: string;
      /** @description Scheme, host and path (a query is shown as `?…`) */
      url: string;
      types: (
        | 'client.online'
        | 'client.status_changed'
        | 'client.offline'
        | 'connection.opened'
        | 'connection.closed'
        | 'limit.opened'
        | 'limit.resolved'
        | 'anomaly.opened'
        | 'anomaly.resolved'
      )[];
      clientFilter: string | null;
      /** @description Masked: the secret is shown once, when created or rotated */
      secret: string;
      /** Format: date-time */
      createdAt: string;
      /** Format: date-time */
      updatedAt: string;
      /** @enum {string} */
      status: 'active' | 'failing' | 'paused';
      /** @description Why deliveries stopped (failures in a row); null while active */
      paused: {
        /** Format: date-time */
        at: string;
        failures: number;
        lastError: string | null;
      } | null;
      /** @description Failed requests in a row */
      failures: number;
      /** @description Events delivered */
      delivered: number;
      /** @description Events the tenant's backlog bound or retention dropped before this subscription took them */
      dropped: number;
      lastError: string | null;
      lastEventId: string | null;
      signingSecret: string;
    };
    EventSubscriptionList: {
      subscriptions: components['schemas']['EventSubscription'][];
    };
    EventSubscriptionTest: {
      subscriptionId: string;
      delivered: boolean;
      statusCode: number | null;
      latencyMs: number;
      error: string | null;
    };
    EventDeliveryList: {
      deliveries: {
        /** Format: date-time */
        at: string;
        webhookId: string;
        /** @enum {string} */
        outcome: 'delivered' | 'failed' | 'paused' | 'test';
        statusCode: number | null;
        latencyMs: number;
        events: number;
        firstEventId: string | null;
        lastEventId: string | null;
        error: string | null;
      }[];
    };
    EventReplay: {
      subscriptionId: string;
      /** Format: date-time */
      from: string;
    };
    EventTypeList: {
      types: {
        /** @enum {string} */
        type:
          | 'client.online'
          | 'client.status_changed'
          | 'client.offline'
          | 'connection.opened'
          | 'connection.closed'
          | 'limit.opened'
          | 'limit.resolved'
          | 'anomaly.opened'
          | 'anomaly.resolved';
        requiredTier: string;
        entitled: boolean;
      }[];
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  TenantsAdminController_list: {
    parameters: {
      query?: {
        /** @description Tenants per page (1–1000) */
        limit?: number;
        /** @description nextCursor of the previous page (the last id it listed) */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of tenants */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TenantPage'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantsAdminController_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateTenantDto'];
      };
    };
    responses: {
      /** @description The tenant with its first key */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TenantCreated'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Conflicts with what exists: a duplicate id, or a per-tenant limit reached (the message says which) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantsAdminController_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The tenant */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TenantWithKeys'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantsAdminController_remove: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Erased: the receipt */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErasureReceipt'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantsAdminController_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateTenantDto'];
      };
    };
    responses: {
      /** @description The tenant */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Tenant'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Conflicts with what exists: a duplicate id, or a per-tenant limit reached (the message says which) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantsAdminController_view: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The view, open until expiresAt */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AdminView'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantsAdminController_listKeys: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Keys (never their values) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiKeyList'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantsAdminController_issueKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The new key */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ApiKeyIssued'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantsAdminController_revokeKey: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
        keyId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Revoked */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantController_get: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The tenant and its entitlements */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TenantEntitlements'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  HealthController_live: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Alive */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Live'];
        };
      };
    };
  };
  HealthController_ready: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The Health Check is successful */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /**
             * @example ok
             * @enum {string}
             */
            status?: 'ok' | 'degraded';
            /**
             * @example {
             *       "database": {
             *         "status": "up",
             *         "responseTime": 12
             *       }
             *     }
             */
            info?: {
              [key: string]: {
                /** @enum {string} */
                status: 'up' | 'degraded' | 'down';
                /** @description Time the health indicator took to respond, in ms */
                responseTime?: number;
              } & {
                [key: string]: unknown;
              };
            } | null;
            /** @example {} */
            error?: {
              [key: string]: {
                /** @enum {string} */
                status: 'up' | 'degraded' | 'down';
                /** @description Time the health indicator took to respond, in ms */
                responseTime?: number;
              } & {
                [key: string]: unknown;
              };
            } | null;
            /**
             * @example {
             *       "database": {
             *         "status": "up",
             *         "responseTime": 12
             *       }
             *     }
             */
            details?: {
              [key: string]: {
                /** @enum {string} */
                status: 'up' | 'degraded' | 'down';
                /** @description Time the health indicator took to respond, in ms */
                responseTime?: number;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
      };
      /** @description The Health Check is not successful */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': {
            /**
             * @example error
             * @enum {string}
             */
            status?: 'error' | 'shutting_down';
            /**
             * @example {
             *       "database": {
             *         "status": "up",
             *         "responseTime": 12
             *       }
             *     }
             */
            info?: {
              [key: string]: {
                /** @enum {string} */
                status: 'up' | 'degraded' | 'down';
                /** @description Time the health indicator took to respond, in ms */
                responseTime?: number;
              } & {
                [key: string]: unknown;
              };
            } | null;
            /**
             * @example {
             *       "redis": {
             *         "status": "down",
             *         "message": "Could not connect",
             *         "responseTime": 3005
             *       }
             *     }
             */
            error?: {
              [key: string]: {
                /** @enum {string} */
                status: 'up' | 'degraded' | 'down';
                /** @description Time the health indicator took to respond, in ms */
                responseTime?: number;
              } & {
                [key: string]: unknown;
              };
            } | null;
            /**
             * @example {
             *       "database": {
             *         "status": "up",
             *         "responseTime": 12
             *       },
             *       "redis": {
             *         "status": "down",
             *         "message": "Could not connect",
             *         "responseTime": 3005
             *       }
             *     }
             */
            details?: {
              [key: string]: {
                /** @enum {string} */
                status: 'up' | 'degraded' | 'down';
                /** @description Time the health indicator took to respond, in ms */
                responseTime?: number;
              } & {
                [key: string]: unknown;
              };
            };
          };
        };
      };
    };
  };
  AlertsController_alerts: {
    parameters: {
      query?: {
        /** @description How far back, in hours (1–720) */
        hours?: number;
        /** @description At most this many, newest first (1–1000) */
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Alerts */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AlertList'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_deliveries: {
    parameters: {
      query?: {
        /** @description How far back, in hours (1–720) */
        hours?: number;
        /** @description At most this many, newest first (1–1000) */
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deliveries */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['DeliveryList'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_list: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Channels */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ChannelList'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateChannelDto'];
      };
    };
    responses: {
      /** @description The channel (secrets masked) */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ChannelCreated'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Conflicts with what exists: a duplicate id, or a per-tenant limit reached (the message says which) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The channel */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Channel'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_remove: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateChannelDto'];
      };
    };
    responses: {
      /** @description The channel (secrets masked) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Channel'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_rules: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Rules */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['RuleList'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_createRule: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateRuleDto'];
      };
    };
    responses: {
      /** @description The rule */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Rule'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Conflicts with what exists: a duplicate id, or a per-tenant limit reached (the message says which) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_rule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The rule */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Rule'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_removeRule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_updateRule: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateRuleDto'];
      };
    };
    responses: {
      /** @description The rule */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Rule'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_silences: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Silences */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SilenceList'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_createSilence: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateSilenceDto'];
      };
    };
    responses: {
      /** @description The silence */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Silence'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Conflicts with what exists: a duplicate id, or a per-tenant limit reached (the message says which) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_removeSilence: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AlertsController_test: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description What happened */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ChannelTest'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_realtime: {
    parameters: {
      query?: {
        /** @description true: add recent, the message and byte rates of the last minutes (one every 10 s, each as perSecond) */
        recent?: boolean;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The realtime view (by tier) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Realtime'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_prometheus: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Prometheus text exposition format 0.0.4 */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_stream: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description An event stream */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/event-stream': string;
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_presence: {
    parameters: {
      query?: {
        /** @description Professional and up */
        status?: 'healthy' | 'degraded' | 'unhealthy' | 'offline';
        /** @description Professional and up */
        online?: boolean;
        /** @description Clients per page; professional and up (1–1000) */
        limit?: number;
        /** @description nextCursor of the previous page; professional and up */
        cursor?: string;
        /** @description Only client ids containing this text; with `*`, a glob over the whole client id (`*` any run of characters). No regular expressions. At most 128 characters. */
        search?: string;
        /** @description clientId (lexical) or lastSeen (most recently seen first); a cursor is for the sort it came from */
        sort?: 'clientId' | 'lastSeen';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Presence */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Presence'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_connections: {
    parameters: {
      query?: {
        /** @description open (default) or closed (the latest 1,000 kept, and the latest 100 unverified) */
        state?: 'open' | 'closed';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Connections */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Connections'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_analytics: {
    parameters: {
      query?: {
        /** @description Up to the tenant's retention (by default 7 days professional, 30 enterprise; 90d and 365d with a longer retention) */
        period?: '1h' | '24h' | '7d' | '30d' | '90d' | '365d';
        /** @description Default: 1m for 1h, 5m for 24h, 1h for 7d, 1d for 30d; at most 2,000 points */
        resolution?: '1m' | '5m' | '1h' | '1d';
        /** @description Start of a range (ISO 8601) instead of a period, within the tenant's retention (further back: 403 naming the tier that keeps it); with from, period is not used */
        from?: string;
        /** @description End of the range (ISO 8601; default and at most now); needs from, at least a minute after it */
        to?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The analytics view */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Analytics'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_export: {
    parameters: {
      query: {
        /** @description Up to the tenant's retention (by default 7 days professional, 30 enterprise; 90d and 365d with a longer retention) */
        period?: '1h' | '24h' | '7d' | '30d' | '90d' | '365d';
        /** @description Default: 1m for 1h, 5m for 24h, 1h for 7d, 1d for 30d; at most 2,000 points */
        resolution?: '1m' | '5m' | '1h' | '1d';
        format: 'csv' | 'ndjson' | 'parquet';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The series, one row (CSV) or one JSON object (NDJSON) per bucket, as an attachment */
      200: {
        headers: {
          /** @description attachment; filename=… */
          'Content-Disposition'?: string;
          [name: string]: unknown;
        };
        content: {
          'text/csv': string;
          'application/x-ndjson': string;
          'application/vnd.apache.parquet': string;
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_anomalies: {
    parameters: {
      query?: {
        /** @description How far back, in hours (1–720) */
        hours?: number;
        type?:
          | 'rate_spike'
          | 'traffic_drop'
          | 'error_rate'
          | 'unusual_subject'
          | 'client_flapping'
          | 'security'
          | 'slow_consumer'
          | 'spike'
          | 'dip'
          | 'level_shift'
          | 'drift'
          | 'consumer_stalled'
          | 'redelivery_storm'
          | 'stream_near_limit';
        status?: 'open' | 'resolved';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Anomalies */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AnomalyList'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_anomalyStory: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The story */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AnomalyStory'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_backtest: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['BacktestBody'];
      };
    };
    responses: {
      /** @description The backtest */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Backtest'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  MetricsController_healthCheck: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Health as the tenant sees it */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['TenantHealth'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  CustomMetricsController_list: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Definitions */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CustomMetricList'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  CustomMetricsController_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateCustomMetricDto'];
      };
    };
    responses: {
      /** @description The definition */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CustomMetric'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Conflicts with what exists: a duplicate id, or a per-tenant limit reached (the message says which) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  CustomMetricsController_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The definition */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CustomMetric'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  CustomMetricsController_remove: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  CustomMetricsController_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateCustomMetricDto'];
      };
    };
    responses: {
      /** @description The definition */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CustomMetric'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  CustomMetricsController_series: {
    parameters: {
      query?: {
        /** @description Up to the tenant's retention (by default 7 days professional, 30 enterprise; 90d and 365d with a longer retention) */
        period?: '1h' | '24h' | '7d' | '30d' | '90d' | '365d';
        /** @description Default: 1m for 1h, 5m for 24h, 1h for 7d, 1d for 30d; at most 2,000 points */
        resolution?: '1m' | '5m' | '1h' | '1d';
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The series */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['CustomMetricSeries'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  PagesController_client: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The client id (as in its heartbeats) */
        clientId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The client page */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ClientPage'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  PagesController_subjects: {
    parameters: {
      query?: {
        sort?: 'messages' | 'bytes' | 'subject';
        /** @description Default: desc for messages and bytes, asc for subject */
        order?: 'asc' | 'desc';
        /** @description Only subjects containing this text; with `*`, a glob over the whole subject (`*` any run of characters). No regular expressions. At most 128 characters. */
        filter?: string;
        /** @description Rows to skip (0–100000) */
        offset?: number;
        /** @description Subjects per page (1–1000) */
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of subjects */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SubjectPage'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  PagesController_subject: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        /** @description The subject as stored (URL-encoded), at most 256 characters, no spaces */
        subject: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The subject page */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['SubjectDetail'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  PrometheusController_scrape: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Prometheus exposition format 0.0.4 */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'text/plain': string;
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AdminOverviewController_read: {
    parameters: {
      query?: {
        /** @description Tenants per page (1–1000) */
        limit?: number;
        /** @description nextCursor of the previous page (the last id it listed) */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The overview */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AdminOverview'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  JetStreamController_current: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The JetStream view */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JetStream'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  JetStreamController_history: {
    parameters: {
      query?: {
        /** @description Up to the tenant's retention (minutes: 6 h at most) */
        period?: '1h' | '6h' | '24h' | '7d' | '30d';
        /** @description Default: minute up to 6h, hour beyond (minute only up to 6h) */
        resolution?: 'minute' | 'hour';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The history */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['JetStreamHistory'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  JetStreamAdminController_read: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The operator JetStream view */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AdminJetStream'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  UsageController_read: {
    parameters: {
      query?: {
        /** @description The history's span: 24h per hour, 7d and 30d per day; up to the tenant's retention (by default 7d professional, 30d enterprise) */
        period?: '24h' | '7d' | '30d';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The usage */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['Usage'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  UsageAdminController_ranking: {
    parameters: {
      query?: {
        /** @description Tenants listed (1–100) */
        limit?: number;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The ranking */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AdminUsage'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  UsageExportController_export: {
    parameters: {
      query: {
        /** @description The UTC hour, YYYY-MM-DDTHH; it must have ended at least USAGE_EXPORT_SETTLE_SECONDS ago */
        hour: string;
        /** @description ndjson (default): one UsageRecord a line; cloudevents: a CloudEvents 1.0 batch (JSON array) */
        format?: 'ndjson' | 'cloudevents';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The records */
      200: {
        headers: {
          /** @description attachment; filename=… */
          'Content-Disposition'?: string;
          [name: string]: unknown;
        };
        content: {
          'application/x-ndjson': string;
          'application/cloudevents-batch+json': components['schemas']['UsageCloudEvent'][];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_types: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Event types */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EventTypeList'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_list: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Subscriptions */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EventSubscriptionList'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_create: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['CreateSubscriptionDto'];
      };
    };
    responses: {
      /** @description The subscription and its signing secret */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EventSubscriptionCreated'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Conflicts with what exists: a duplicate id, or a per-tenant limit reached (the message says which) */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_get: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The subscription */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EventSubscription'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_remove: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted */
      204: {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_update: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['UpdateSubscriptionDto'];
      };
    };
    responses: {
      /** @description The subscription */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EventSubscription'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_rotate: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The subscription and its new signing secret */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EventSubscriptionCreated'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_test: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description What happened (never the receiver body) */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EventSubscriptionTest'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_deliveries: {
    parameters: {
      query?: {
        /** @description At most this many, newest first (the last 100 are kept) (1–1000) */
        limit?: number;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deliveries, newest first */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EventDeliveryList'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  EventsController_replay: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        'application/json': components['schemas']['ReplayDto'];
      };
    };
    responses: {
      /** @description Replay started */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['EventReplay'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Body over 100 kB */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  AdminAuditController_page: {
    parameters: {
      query?: {
        /** @description Only entries of this action */
        action?:
          | 'tenant.create'
          | 'tenant.update'
          | 'tenant.erase'
          | 'tenant.export'
          | 'tenant.view'
          | 'apikey.issue'
          | 'apikey.revoke'
          | 'channel.create'
          | 'channel.update'
          | 'channel.delete'
          | 'channel.test'
          | 'rule.create'
          | 'rule.update'
          | 'rule.delete'
          | 'silence.create'
          | 'silence.delete'
          | 'custom_metric.create'
          | 'custom_metric.update'
          | 'custom_metric.delete'
          | 'event_subscription.create'
          | 'event_subscription.update'
          | 'event_subscription.delete'
          | 'event_subscription.rotate'
          | 'event_subscription.test'
          | 'event_subscription.replay'
          | 'anomaly.backtest'
          | 'metrics.export'
          | 'compliance.report'
          | 'usage.export'
          | 'auth.failure';
        /** @description Entries at or after this time (ISO 8601, 1970 to 9999) */
        from?: string;
        /** @description Entries at or before this time (ISO 8601, 1970 to 9999) */
        to?: string;
        /** @description Entries per page, newest first (1–1000) */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
        /** @description Only entries about this tenant (also after its erasure) */
        tenantId?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of entries */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AuditPage'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  TenantAuditController_page: {
    parameters: {
      query?: {
        /** @description Only entries of this action */
        action?:
          | 'tenant.create'
          | 'tenant.update'
          | 'tenant.erase'
          | 'tenant.export'
          | 'tenant.view'
          | 'apikey.issue'
          | 'apikey.revoke'
          | 'channel.create'
          | 'channel.update'
          | 'channel.delete'
          | 'channel.test'
          | 'rule.create'
          | 'rule.update'
          | 'rule.delete'
          | 'silence.create'
          | 'silence.delete'
          | 'custom_metric.create'
          | 'custom_metric.update'
          | 'custom_metric.delete'
          | 'event_subscription.create'
          | 'event_subscription.update'
          | 'event_subscription.delete'
          | 'event_subscription.rotate'
          | 'event_subscription.test'
          | 'event_subscription.replay'
          | 'anomaly.backtest'
          | 'metrics.export'
          | 'compliance.report'
          | 'usage.export'
          | 'auth.failure';
        /** @description Entries at or after this time (ISO 8601, 1970 to 9999) */
        from?: string;
        /** @description Entries at or before this time (ISO 8601, 1970 to 9999) */
        to?: string;
        /** @description Entries per page, newest first (1–1000) */
        limit?: number;
        /** @description nextCursor of the previous page */
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of entries */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['AuditPage'];
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Tier too low (requiredTier, currentTier) */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  ComplianceController_export: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The records */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/x-ndjson': string;
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description No such resource for this tenant */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
  ComplianceController_report: {
    parameters: {
      query?: {
        /** @description json (default) or csv (one row per tenant) */
        format?: 'json' | 'csv';
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The report */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ComplianceReport'];
          'text/csv': string;
        };
      };
      /** @description Invalid query, path or body (the message names the field; unknown fields and parameters included) */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Missing, unknown or revoked key, or the wrong kind of key for the route */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Rate limit passed (Retry-After says when to try again) */
      429: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
      /** @description Storage unreachable; try again shortly */
      503: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          'application/json': components['schemas']['ErrorBody'];
        };
      };
    };
  };
}
