/**
 * Connection failures, and the answers of a Redis Cluster that cannot serve a slot now (a master
 * lost, a failover or resharding in progress). Both mean "storage unavailable, try again": an API
 * read answers 503, a writer keeps its data for the next attempt.
 */
const UNAVAILABLE =
  /Connection is closed|max retries per request|ECONNREFUSED|ECONNRESET|Stream isn't writeable|Command timed out|^(MOVED|ASK|CLUSTERDOWN|TRYAGAIN|LOADING|MASTERDOWN)\b|Failed to refresh slots cache|Too many Cluster redirections|None of startup nodes is available/i;

export function isRedisUnavailable(err: unknown): boolean {
  return (
    err instanceof Error &&
    (err.name === 'MaxRetriesPerRequestError' || err.name === 'ClusterAllFailedError' || UNAVAILABLE.test(err.message))
  );
}

/**
 * The client is connected, yet Redis could not answer for this key: on Redis Cluster, the slot's
 * master is lost or moving. Callers that can do without this key's answer (a remembered value, a
 * per-instance fallback) may use it; when all of Redis is down they should fail fast instead.
 */
export function isSlotUnavailable(client: { status: string }, err: unknown): boolean {
  return redisReady(client) && isRedisUnavailable(err);
}

/** True when the client can take commands now (not connecting, reconnecting or closed). */
export function redisReady(client: { status: string }): boolean {
  return client.status === 'ready';
}
