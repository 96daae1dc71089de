import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
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
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
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
import { ANOMALY_TYPES, type Severity } from '../../anomalies/detectors.js';

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

/** The longest rule id or alert key a silence matches (rule ids, alert keys Pulse makes are far shorter). */
export const MAX_MATCHER_VALUE_LENGTH = 128;
/** The longest `until` a silence takes: RFC 3339 with nanoseconds and an offset is 35 characters. */
const MAX_DATE_TIME_LENGTH = 40;
const MATCHER_FIELDS = ['ruleId', 'anomalyType', 'severity', 'alertKey'] as const;

/** Fields an alert must all match; each one bounded (every alert raised reads every silence). */
export class SilenceMatcherDto {
  @IsOptional()
  @IsString({ message: 'matcher.ruleId must be a string' })
  @MaxLength(MAX_MATCHER_VALUE_LENGTH, {
    message: `matcher.ruleId must be at most ${MAX_MATCHER_VALUE_LENGTH} characters`,
  })
  ruleId?: string;

  @IsOptional()
  @IsIn(ANOMALY_TYPES, { message: `matcher.anomalyType must be one of: ${ANOMALY_TYPES.join(', ')}` })
  anomalyType?: string;

  @IsOptional()
  @IsIn(SEVERITIES, { message: 'matcher.severity must be info, warning or critical' })
  severity?: Severity;

  @IsOptional()
  @IsString({ message: 'matcher.alertKey must be a string' })
  @MaxLength(MAX_MATCHER_VALUE_LENGTH, {
    message: `matcher.alertKey must be at most ${MAX_MATCHER_VALUE_LENGTH} characters`,
  })
  alertKey?: string;
}

export class CreateSilenceDto {
  /** Fields an alert must all match: ruleId, anomalyType, severity, alertKey. */
  @ApiProperty({
    description: `Fields an alert must all match (at least one); ruleId and alertKey at most ${MAX_MATCHER_VALUE_LENGTH} characters`,
    type: 'object',
    additionalProperties: false,
    properties: {
      ruleId: { type: 'string', maxLength: MAX_MATCHER_VALUE_LENGTH },
      anomalyType: { type: 'string', enum: [...ANOMALY_TYPES] },
      severity: { type: 'string', enum: ['info', 'warning', 'critical'] },
      alertKey: { type: 'string', maxLength: MAX_MATCHER_VALUE_LENGTH },
    },
  })
  @IsObject({ message: `matcher must be an object with one or more of: ${MATCHER_FIELDS.join(', ')}` })
  @ValidateBy({
    name: 'isNonEmptyMatcher',
    validator: {
      validate: (v: unknown) =>
        typeof v === 'object' &&
        v !== null &&
        MATCHER_FIELDS.some((f) => (v as Record<string, unknown>)[f] !== undefined),
      defaultMessage: () => `matcher must have one or more of: ${MATCHER_FIELDS.join(', ')}`,
    },
  })
  @ValidateNested()
  @Type(() => SilenceMatcherDto)
  matcher!: SilenceMatcherDto;

  @ApiProperty({ format: 'date-time', maxLength: MAX_DATE_TIME_LENGTH })
  @IsString({ message: 'until must be an ISO 8601 date-time' })
  @MaxLength(MAX_DATE_TIME_LENGTH, { message: 'until must be an ISO 8601 date-time' })
  @IsDateString({}, { message: 'until must be an ISO 8601 date-time' })
  @IsDateTime('until')
  until!: string;
}
