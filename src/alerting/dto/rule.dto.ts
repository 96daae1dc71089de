import { ApiProperty } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
} from 'class-validator';
import { ID_PATTERN } from '../../common/ids.js';
import { IsDateTime } from '../../common/decorators/date-time.decorator.js';
import { OptionalNotNull } from '../../common/decorators/optional-not-null.decorator.js';
import {
  isRuleMetric,
  JETSTREAM_CONSUMER_FIELDS,
  JETSTREAM_STREAM_FIELDS,
  RULE_METRICS,
  type RuleMetric,
} from '../rule.js';
import type { Severity } from '../../anomalies/detectors.js';

const SEVERITIES = ['info', 'warning', 'critical'] as const;

export class CreateRuleDto {
  @IsString()
  @Length(1, 100)
  name!: string;

  @IsString({ message: 'metric must be a string' })
  @ValidateBy({
    name: 'isRuleMetric',
    validator: {
      validate: (v: unknown) => isRuleMetric(v),
      defaultMessage: () =>
        `metric must be one of: ${RULE_METRICS.join(', ')}, custom:<id>, jetstream:<stream>/<consumer>:<${JETSTREAM_CONSUMER_FIELDS.join('|')}> or jetstream:<stream>:<${JETSTREAM_STREAM_FIELDS.join('|')}> (NATS names)`,
    },
  })
  metric!: RuleMetric;

  @IsIn(['gt', 'lt'], { message: 'operator must be gt or lt' })
  operator!: 'gt' | 'lt';

  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'threshold must be a number' })
  threshold!: number;

  @IsInt({ message: 'forSeconds must be an integer from 0 to 86400' })
  @Min(0)
  @Max(86_400)
  forSeconds!: number;

  @IsIn(SEVERITIES, { message: 'severity must be info, warning or critical' })
  severity!: Severity;

  /** Channels to notify; empty or absent: every channel of the tenant. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(ID_PATTERN, { each: true, message: 'channelIds must be channel ids' })
  channelIds?: string[];
}

export class UpdateRuleDto {
  @OptionalNotNull() @IsString() @Length(1, 100) name?: string;
  @OptionalNotNull()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'threshold must be a number' })
  threshold?: number;
  @OptionalNotNull() @IsInt() @Min(0) @Max(86_400) forSeconds?: number;
  @OptionalNotNull() @IsIn(SEVERITIES, { message: 'severity must be info, warning or critical' }) severity?: Severity;
  @OptionalNotNull() @IsIn(['gt', 'lt'], { message: 'operator must be gt or lt' }) operator?: 'gt' | 'lt';
  @OptionalNotNull()
  @IsArray()
  @ArrayMaxSize(50)
  @Matches(ID_PATTERN, { each: true, message: 'channelIds must be channel ids' })
  channelIds?: string[];
}

export class CreateSilenceDto {
  /** Fields an alert must all match: ruleId, anomalyType, severity, alertKey. */
  @ApiProperty({
    description: 'Fields an alert must all match (at least one)',
    type: 'object',
    additionalProperties: false,
    properties: {
      ruleId: { type: 'string' },
      anomalyType: { type: 'string' },
      severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
      alertKey: { type: 'string' },
    },
  })
  @IsObject()
  matcher!: { ruleId?: string; anomalyType?: string; severity?: Severity; alertKey?: string };

  @IsDateString({}, { message: 'until must be an ISO 8601 date-time' })
  @IsDateTime('until')
  until!: string;
}
