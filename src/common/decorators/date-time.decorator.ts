import { ValidateBy } from 'class-validator';

/** The earliest and latest instants a date parameter takes: Redis stream ids and Date agree on these. */
export const EARLIEST_DATE_MS = 0; // 1970-01-01T00:00:00Z
export const LATEST_DATE_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * With `@IsISO8601({ strict: true })`: a date-time that Date can place, from 1970 to 9999 (400
 * naming the field otherwise). `@IsISO8601` alone also passes week and ordinal dates, which
 * Date.parse cannot read (NaN), and dates before 1970, which make a negative stream id: both
 * were 500s.
 */
export function IsDateTime(field: string): PropertyDecorator {
  return ValidateBy({
    name: 'isDateTime',
    validator: {
      validate: (v: unknown) => {
        if (typeof v !== 'string') return false;
        const ms = Date.parse(v);
        return Number.isFinite(ms) && ms >= EARLIEST_DATE_MS && ms <= LATEST_DATE_MS;
      },
      defaultMessage: () => `${field} must be an ISO 8601 date-time from 1970-01-01 to 9999-12-31`,
    },
  });
}
