// Which tenant a stream belongs to (issue #33). Pure: no I/O, no clock.
import type { RawStream } from './jetstream-figures.js';

/**
 * The tenant owning a stream as the JetStream API lists its config, or null for the operator's.
 * A stream with a mirror or any source is the operator's whatever its own subjects: it holds
 * messages of other streams, perhaps another tenant's (tenant A's `A_AGG` on `tenant.a.agg`
 * sourcing B's stream would show B's counts to A). Else `streamOwner` of its subjects.
 */
export function streamOwnerOf(
  config: Pick<RawStream['config'], 'subjects' | 'sources' | 'mirror'>,
  prefix: string,
  isTenant: (id: string) => boolean,
): string | null {
  if (config.mirror || (config.sources?.length ?? 0) > 0) return null;
  return streamOwner(config.subjects ?? [], prefix, isTenant);
}

/**
 * The tenant owning a stream whose subjects are `subjects`, or null for the operator's.
 *
 * One NATS account with subject namespaces (the seed's deployment): a stream belongs to the tenant
 * whose namespace `<prefix>.<id>.>` holds ALL its subjects. A stream is the operator's when it has
 * no subjects, when a subject is outside every namespace, when a
 * wildcard (`*`, `>`) stands in the tenant's position (it can catch other tenants' messages), when
 * its subjects name two tenants, or when the id names no tenant (`isTenant`).
 *
 * This is the seam for accounts mode (issue #34): there a stream's account names its tenant, and
 * this function gives way to a lookup by account.
 */
export function streamOwner(
  subjects: readonly string[],
  prefix: string,
  isTenant: (id: string) => boolean,
): string | null {
  const head = prefix.split('.');
  let owner: string | null = null;
  for (const subject of subjects) {
    const tenant = namespaceOf(subject, head);
    if (tenant === null || (owner !== null && owner !== tenant)) return null;
    owner = tenant;
  }
  return owner !== null && isTenant(owner) ? owner : null;
}

/** The tenant id of `<prefix>.<id>.<at least one token>`, or null (wildcard id, another prefix, too short). */
function namespaceOf(subject: string, head: readonly string[]): string | null {
  const tokens = subject.split('.');
  if (tokens.length < head.length + 2) return null;
  for (let i = 0; i < head.length; i++) if (tokens[i] !== head[i]) return null;
  const id = tokens[head.length];
  if (id === '' || id === '*' || id === '>') return null;
  // An empty token is no subject the server accepts; refuse it rather than guess.
  for (let i = head.length + 1; i < tokens.length; i++) if (tokens[i] === '') return null;
  return id;
}
