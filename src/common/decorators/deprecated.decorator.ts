import { applyDecorators, Header } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';

/** The shortest notice between deprecating a route or field and removing it: six months (docs/versioning.md). */
export const MIN_DEPRECATION_NOTICE_DAYS = 183;

export interface DeprecationNotice {
  /** When it was deprecated: the date of the release that deprecated it. */
  since: Date;
  /** From when it may be gone: at least MIN_DEPRECATION_NOTICE_DAYS after `since`. */
  sunset: Date;
  /** Where the replacement is described (the CHANGELOG entry): sent as Link rel="deprecation". */
  link: string;
}

/**
 * Marks a route, or a route whose answer carries a deprecated field, as deprecated: its answers
 * carry `Deprecation: @<since, Unix seconds>` (RFC 9745), `Sunset: <HTTP date>` (RFC 8594) and
 * `Link: <link>; rel="deprecation"`, and its OpenAPI operation `deprecated: true`. Use beside
 * `@ApiRoute` (either order); a deprecated field is also marked `deprecated: true` in its schema.
 */
export function Deprecated(notice: DeprecationNotice): MethodDecorator {
  const days = (notice.sunset.getTime() - notice.since.getTime()) / 86_400_000;
  if (!(days >= MIN_DEPRECATION_NOTICE_DAYS)) {
    throw new Error(`@Deprecated: the sunset must be at least ${MIN_DEPRECATION_NOTICE_DAYS} days after since`);
  }
  return applyDecorators(
    Header('Deprecation', `@${Math.floor(notice.since.getTime() / 1000)}`),
    Header('Sunset', notice.sunset.toUTCString()),
    Header('Link', `<${notice.link}>; rel="deprecation"`),
    // summary undefined: the operation's other metadata (ApiRoute's summary) is merged, not replaced.
    ApiOperation({ summary: undefined, deprecated: true }),
  );
}
