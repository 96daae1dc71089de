/**
 * Every Redis key Pulse uses is built here. Keys of one tenant carry the hash tag `{t:<id>}` so
 * that a tenant's pipeline and Lua calls stay in one Redis Cluster slot.
 */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  /**
   * STRING present as long as Redis keeps its data (its absence reveals a Redis restarted empty).
   * On Redis Cluster one per master: `tag` picks a hash slot that master serves.
   */
  dataMarker(tag?: string): string {
    return tag === undefined ? `${this.prefix}:marker` : `${this.prefix}:marker:{${tag}}`;
  }

  /** SET of every tenant id. */
  tenants(): string {
    return `${this.prefix}:tenants`;
  }

  /** STRING `<tenantId> <keyId>` for one API key, addressed by the key's SHA-256 (hex). */
  apiKey(sha256Hex: string): string {
    return `${this.prefix}:apikey:${sha256Hex}`;
  }

  /**
   * STRING `<tenantId> <keyId>` of a revoked key, by its SHA-256, kept 90 days so that a revoked
   * key still presented is counted for its tenant (compliance report, audit).
   */
  revokedApiKey(sha256Hex: string): string {
    return `${this.prefix}:apikey:revoked:${sha256Hex}`;
  }

  /** Rate-limit counters of one tracker (hash-tagged: the hits and block keys share a slot). */
  rateLimit(tracker: string): string {
    return `${this.prefix}:rl:{${tracker}}`;
  }

  /** ZSET instance id → when it last reported (ms): the Pulse instances seen (operator console). */
  instances(): string {
    return `${this.prefix}:instances`;
  }

  /** HASH one instance's last report (startedAt, reportedAt, nats, backlogMessages, lastFlushAt, flushes, shard, shards, tenants). */
  instance(id: string): string {
    return `${this.prefix}:instance:${id}`;
  }

  /** LIST of Pulse's own incidents (opened and resolved, any instance), newest first, the last 200. */
  operatorIncidents(): string {
    return `${this.prefix}:operator:incidents`;
  }

  /** STRING holding the token of the instance that runs job `name`. */
  lock(name: string): string {
    return `${this.prefix}:lock:${name}`;
  }

  /** Prefix shared by all of one tenant's keys (for deleting a tenant). */
  tenantScope(tenantId: string): string {
    return `${this.prefix}:{t:${tenantId}}:`;
  }

  /**
   * HASH id, name, tier, plan, status, quota, sensitivity, sampling, retention, nats, createdAt,
   * updatedAt (TenantRepository), and `inc` the incarnation (random, set at creation; absent for
   * tenants created before it existed). Its existence is the erasure's fence: every writer checks
   * it in the same atomic step (TenantFence, the Lua writers).
   */
  tenant(tenantId: string): string {
    return `${this.tenantScope(tenantId)}tenant`;
  }

  /** HASH keyId → JSON { sha256, createdAt }. */
  tenantApiKeys(tenantId: string): string {
    return `${this.tenantScope(tenantId)}apikeys`;
  }

  /** HASH `definitions`: custom metric id → its definition (JSON). */
  customMetrics(tenantId: string): string {
    return `${this.tenantScope(tenantId)}custom`;
  }

  /**
   * HASH one custom metric's figures for one minute (`cm:<id>:<minuteEpoch>`), one hour
   * (`cm:<id>:h<hourEpoch>`) or one UTC day (`cm:<id>:d<yyyymmdd>`): c count, s sum, mn min, mx max,
   * u unparsable, l too large, h<bucket> value histogram. Expire like the built-in minutes, hours, days.
   */
  customFigures(tenantId: string, metricId: string, period: string | number): string {
    return `${this.tenantScope(tenantId)}cm:${metricId}:${period}`;
  }

  /**
   * ZSET of the figures keys one custom metric has written that may still exist, scored by when
   * each expires (deleting the metric deletes them; entries are trimmed as they expire).
   */
  customFigureKeys(tenantId: string, metricId: string): string {
    return `${this.tenantScope(tenantId)}cmk:${metricId}`;
  }

  /**
   * HASH one client's presence: status, lastSeen (Pulse's clock), ts (the client's), connectedSince,
   * firstSeen, offlineAt, previousStatus, the last reported cumulative metrics (sent, received,
   * errors, uptime) and their deltas (d_sent, d_received, d_errors).
   */
  client(tenantId: string, clientId: string): string {
    return `${this.tenantScope(tenantId)}client:${clientId}`;
  }

  /**
   * LIST one client's status timeline, newest first (JSON: type online|status_changed|offline|
   * connected|disconnected, status, previousStatus, at, and a connection's server, rttMs, reason),
   * the latest CLIENT_TIMELINE_KEPT; expires with the tenant's history retention after its last entry.
   * Written only while the client's presence hash (`client`) exists.
   */
  clientTimeline(tenantId: string, clientId: string): string {
    return `${this.tenantScope(tenantId)}timeline:${clientId}`;
  }

  /**
   * STRING when the operator opened the tenant's read-only admin view (ms), expiring after
   * ADMIN_VIEW_MS: while it exists the admin key may read (never write) the tenant's routes
   * with the `X-Pulse-View-Tenant` header (README, Operator console).
   */
  adminView(tenantId: string): string {
    return `${this.tenantScope(tenantId)}adminview`;
  }

  /** ZSET clientId → lastSeen (ms) of the clients that are online (the offline detector's input). */
  onlineClients(tenantId: string): string {
    return `${this.tenantScope(tenantId)}online`;
  }

  /** ZSET clientId → lastSeen (ms) of every known client (retention of offline clients). */
  clientsBySeen(tenantId: string): string {
    return `${this.tenantScope(tenantId)}seen`;
  }

  /** ZSET, all scores 0: every known client id in lexical order (stable cursor pagination). */
  clientIndex(tenantId: string): string {
    return `${this.tenantScope(tenantId)}clients`;
  }

  /** ZSET, all scores 0: the client ids currently in one status (healthy … offline), lexical. */
  clientsInStatus(tenantId: string, status: string): string {
    return `${this.tenantScope(tenantId)}status:${status}`;
  }

  /** STREAM of the tenant's audit entries (field `e`: the entry's JSON), trimmed by the audit retention. */
  tenantAudit(tenantId: string): string {
    return `${this.tenantScope(tenantId)}audit`;
  }

  /** STRING the tenant's key (base64) sealing its fields in the global audit trail. */
  tenantAuditKey(tenantId: string): string {
    return `${this.tenantScope(tenantId)}audit:key`;
  }

  /** STREAM of every audit entry, the tenant's fields sealed (`sealed`). */
  audit(): string {
    return `${this.prefix}:audit`;
  }

  /** HASH `<yyyymmdd>:<reason>` → failed authentications that day (the compliance report's 30 days). */
  authFailures(): string {
    return `${this.prefix}:authfail`;
  }

  /** HASH SHA-256 → keyId of the tenant's revoked keys (so that erasure deletes their entries). */
  tenantRevokedKeys(tenantId: string): string {
    return `${this.tenantScope(tenantId)}apikeys:revoked`;
  }

  /** HASH `<yyyymmdd>:<reason>` → refused uses of the tenant's revoked keys, and of its keys while disabled. */
  tenantAuthFailures(tenantId: string): string {
    return `${this.tenantScope(tenantId)}authfail`;
  }

  /** ZSET keyId → when the key was last used (ms; the greatest instance's report wins). */
  keyUse(tenantId: string): string {
    return `${this.tenantScope(tenantId)}apikeys:used`;
  }

  /**
   * HASH tenant id → JSON list of its erased incarnations' cold-store partitions (the newest 10;
   * the ids erased last, `erasedOrder`): a DELETE of an erased id deletes what a writer left there.
   */
  erasedPartitions(): string {
    return `${this.prefix}:erased:partitions`;
  }

  /** ZSET tenant id → when it was last erased (ms): which ids `erased:partitions` keeps (the newest 10,000). */
  erasedOrder(): string {
    return `${this.prefix}:erased:order`;
  }

  /**
   * STRING the id of the tenant that registered this NATS identity (`account`, `user` or `nkey`),
   * claimed with SET NX so that two tenants can never hold one identity; released (compare and
   * delete) when the tenant drops it or is deleted. Outside any tenant's hash tag: its own slot.
   */
  natsIdentity(kind: string, value: string): string {
    return `${this.prefix}:natsid:${kind}:${value}`;
  }

  /** LIST of erasure receipts (JSON), newest first. */
  erasures(): string {
    return `${this.prefix}:erasures`;
  }

  /** HASH `<identity> <source address>` → failed NATS logins with the tenant's identities, the last hour (≤ 1,000 fields, then `other`). */
  natsAuthSources(tenantId: string): string {
    return `${this.tenantScope(tenantId)}natsauth`;
  }

  /**
   * The tenant's NATS connections as the server reported them (ARCHITECTURE.md, NATS server
   * events): `conns` HASH `<server>:<cid>` → JSON; `conns:open` ZSET of the open ones (connected
   * ms); `conns:nosdk` the open ones without the SDK's name; `conns:sdk` ZSET clientId → ms of the
   * SDK clients connected; `conns:client` HASH clientId → its latest connection;
   * `conns:closed` ZSET of the closed ones kept (the latest 1,000), by when they closed;
   * `conns:hint` ZSET of the open ones attributed by their name alone (unverified, also in `open`);
   * `conns:hintclosed` ZSET of their closes kept (the latest 100), apart from `closed`.
   */
  connections(
    tenantId: string,
    part: '' | 'open' | 'nosdk' | 'sdk' | 'client' | 'closed' | 'hint' | 'hintclosed' = '',
  ): string {
    return `${this.tenantScope(tenantId)}conns${part ? `:${part}` : ''}`;
  }

  /** HASH `window` (index of the last window closed) and `state` (pipeline state JSON, outbox). */
  detection(tenantId: string): string {
    return `${this.tenantScope(tenantId)}detect`;
  }

  /** STRING: index of the last anomaly window closed for all tenants (advanced once per window). */
  anomalyWindow(): string {
    return `${this.prefix}:anomaly:window`;
  }

  /** ZSET anomaly id → detectedAt (ms), 30 days. */
  anomalies(tenantId: string): string {
    return `${this.tenantScope(tenantId)}anomalies`;
  }

  /** SET ids of the open anomalies. */
  openAnomalies(tenantId: string): string {
    return `${this.tenantScope(tenantId)}anomalies:open`;
  }

  /** STRING JSON of one anomaly, 30 days. */
  anomaly(tenantId: string, id: string): string {
    return `${this.tenantScope(tenantId)}anomaly:${id}`;
  }

  /** HASH alert channel id → JSON (secrets included; masked by the API). */
  alertChannels(tenantId: string): string {
    return `${this.tenantScope(tenantId)}alert:channels`;
  }

  /** HASH rule id → JSON custom alert rule. */
  alertRules(tenantId: string): string {
    return `${this.tenantScope(tenantId)}alert:rules`;
  }

  /** HASH rule id → JSON evaluation state (pending since, firing, last notified). */
  alertRuleState(tenantId: string): string {
    return `${this.tenantScope(tenantId)}alert:rulestate`;
  }

  /** HASH silence id → JSON silence. */
  alertSilences(tenantId: string): string {
    return `${this.tenantScope(tenantId)}alert:silences`;
  }

  /** HASH alert key → last notification of a firing anomaly alert (ms), for repeats. */
  alertNotified(tenantId: string): string {
    return `${this.tenantScope(tenantId)}alert:notified`;
  }

  /**
   * ZSET of what was raised once only → when (ms): a limit crossing's opening or end told to the
   * tenant's channels (`<crossing id>|<event>|tenant`) or to the operator (`…|operator`), so a
   * crossing the limit watch hands out again is not sent again; `events:<subscription id>|paused|<at>`
   * a webhook event subscription's pause told to them. The newest 1,000.
   */
  alertOnce(tenantId: string): string {
    return `${this.tenantScope(tenantId)}alert:once`;
  }

  /** LIST of alert events (fired / resolved), newest first, 30 days. */
  alertLog(tenantId: string): string {
    return `${this.tenantScope(tenantId)}alert:log`;
  }

  /** LIST of delivery attempts, newest first, 30 days. */
  deliveryLog(tenantId: string): string {
    return `${this.tenantScope(tenantId)}alert:deliveries`;
  }

  /**
   * The tenant's durable alert delivery queue, all in its slot: `alert:q` (ZSET delivery id → when
   * it may be claimed, in Redis' clock: its due time, or its lease's end while an instance holds it), `:items`
   * (HASH id → JSON delivery), `:leases` (HASH id → the claiming instance's token), `:after` (HASH
   * id → the delivery of the same alert and channel it must wait for) and `:last` (HASH alert key
   * and channel → the newest delivery for it).
   */
  alertQueue(tenantId: string): { queue: string; items: string; leases: string; after: string; last: string } {
    const q = `${this.tenantScope(tenantId)}alert:q`;
    return { queue: q, items: `${q}:items`, leases: `${q}:leases`, after: `${q}:after`, last: `${q}:last` };
  }

  /** ZSET tenant id → the earliest time its delivery queue may have work (a hint; any instance reads it). */
  alertQueuesDue(): string {
    return `${this.prefix}:alert:due`;
  }

  /**
   * ZSET tenant id → minus its worst JetStream consumer's pending (growth breaks ties), and the
   * HASH tenant id → that consumer's JSON: the operator console's ranking, replaced by every
   * JetStream poll (JetStreamStore), in the `{js}` slot with the poll's other deployment keys (one
   * MULTI). Outside the tenant's slot: the erasure removes its entries.
   */
  jetStreamWorst(): { ranking: string; consumers: string } {
    return { ranking: `${this.prefix}:{js}:worst`, consumers: `${this.prefix}:{js}:worst:c` };
  }

  /** HASH stream → owning tenant id, from the last JetStream poll (JetStreamKeys.owners). */
  jetStreamOwners(): string {
    return `${this.prefix}:{js}:owners`;
  }

  /** HASH rejected heartbeats on this tenant's subjects, by reason (all time). */
  heartbeatRejections(tenantId: string): string {
    return `${this.tenantScope(tenantId)}hbrej`;
  }
}

/** The tenant record's field holding its incarnation (ColdPartitions, TenantRepository). */
export const TENANT_INCARNATION_FIELD = 'inc';
