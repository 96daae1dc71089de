import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';

export const JETSTREAM_PERIODS = ['1h', '6h', '24h', '7d', '30d'] as const;
export type JetStreamPeriod = (typeof JETSTREAM_PERIODS)[number];
export const JETSTREAM_RESOLUTIONS = ['minute', 'hour'] as const;
export type JetStreamResolution = (typeof JETSTREAM_RESOLUTIONS)[number];

/** Seconds of each period. */
export const PERIOD_SECONDS: ReadonlyMap<JetStreamPeriod, number> = new Map([
  ['1h', 3600],
  ['6h', 6 * 3600],
  ['24h', 86_400],
  ['7d', 7 * 86_400],
  ['30d', 30 * 86_400],
]);

export class JetStreamHistoryQuery {
  @ApiPropertyOptional({
    enum: JETSTREAM_PERIODS,
    default: '1h',
    description: "Up to the tenant's retention (minutes: 6 h at most)",
  })
  @IsOptional()
  @IsIn(JETSTREAM_PERIODS, { message: `period must be one of: ${JETSTREAM_PERIODS.join(', ')}` })
  period: JetStreamPeriod = '1h';

  @ApiPropertyOptional({
    enum: JETSTREAM_RESOLUTIONS,
    description: 'Default: minute up to 6h, hour beyond (minute only up to 6h)',
  })
  @IsOptional()
  @IsIn(JETSTREAM_RESOLUTIONS, { message: `resolution must be one of: ${JETSTREAM_RESOLUTIONS.join(', ')}` })
  resolution?: JetStreamResolution;
}
