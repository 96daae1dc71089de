const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{8,}$/i;
const HAS_DIGIT = /\d/;

/**
 * A subject's shape: after the first `keep` tokens (the tenant prefix and id), tokens that are ids
 * (numbers, UUIDs, long hex, anything with a digit) become `*`, so
 * `tenant.acme.orders.123.created` and `tenant.acme.orders.456.created` are one pattern.
 */
export function subjectPattern(subject: string, keep = 2): string {
  return subject
    .split('.')
    .map((token, i) => (i >= keep && (UUID.test(token) || HEX.test(token) || HAS_DIGIT.test(token)) ? '*' : token))
    .join('.');
}
