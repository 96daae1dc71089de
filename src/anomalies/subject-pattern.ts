const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX = /^[0-9a-f]{8,}$/i;
const HAS_DIGIT = /\d/;

/**
 * A subject's shape: tokens that are ids (numbers, UUIDs, long hex, anything with a digit) become
 * `*`, so `tenant.acme.orders.123.created` and `tenant.acme.orders.456.created` are one pattern.
 */
export function subjectPattern(subject: string): string {
  return subject
    .split('.')
    .map((token) => (UUID.test(token) || HEX.test(token) || HAS_DIGIT.test(token) ? '*' : token))
    .join('.');
}
