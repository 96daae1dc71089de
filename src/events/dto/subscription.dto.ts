import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsIn,
  IsISO8601,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { MAX_URL_LENGTH } from '../../alerting/channel.js';
import { EVENT_TYPES, type EventType } from '../../common/entitlements.js';
import { CLIENT_FILTER_PATTERN } from '../client-filter.js';
import { OptionalNotNull } from '../../common/decorators/optional-not-null.decorator.js';

const TYPES_MESSAGE = `types must be a list of 1-${EVENT_TYPES.length} different event types of: ${EVENT_TYPES.join(', ')}`;
const FILTER_MESSAGE = 'clientFilter must be 1-128 letters, digits, _, - and * (any run of characters)';

export class CreateSubscriptionDto {
  @ApiProperty({ description: 'https URL the events are POSTed to', maxLength: MAX_URL_LENGTH })
  @IsString({ message: 'url must be an https URL' })
  @MaxLength(MAX_URL_LENGTH, { message: `url must be at most ${MAX_URL_LENGTH} characters` })
  url!: string;

  @ApiProperty({ description: 'The event types sent', enum: EVENT_TYPES, isArray: true })
  @IsArray({ message: TYPES_MESSAGE })
  @ArrayMinSize(1, { message: TYPES_MESSAGE })
  @ArrayMaxSize(EVENT_TYPES.length, { message: TYPES_MESSAGE })
  @ArrayUnique({ message: TYPES_MESSAGE })
  @IsIn(EVENT_TYPES, { each: true, message: TYPES_MESSAGE })
  types!: EventType[];

  @ApiPropertyOptional({
    description:
      'Only events of clients whose id matches this glob (`*`: any run of characters); events of no client pass',
    pattern: CLIENT_FILTER_PATTERN.source,
  })
  @IsOptional()
  @IsString({ message: FILTER_MESSAGE })
  @Matches(CLIENT_FILTER_PATTERN, { message: FILTER_MESSAGE })
  clientFilter?: string;
}

export class UpdateSubscriptionDto {
  @ApiPropertyOptional({ description: 'https URL the events are POSTed to', maxLength: MAX_URL_LENGTH })
  @OptionalNotNull()
  @IsString({ message: 'url must be an https URL' })
  @MaxLength(MAX_URL_LENGTH, { message: `url must be at most ${MAX_URL_LENGTH} characters` })
  url?: string;

  @ApiPropertyOptional({ description: 'The event types sent', enum: EVENT_TYPES, isArray: true })
  @OptionalNotNull()
  @IsArray({ message: TYPES_MESSAGE })
  @ArrayMinSize(1, { message: TYPES_MESSAGE })
  @ArrayMaxSize(EVENT_TYPES.length, { message: TYPES_MESSAGE })
  @ArrayUnique({ message: TYPES_MESSAGE })
  @IsIn(EVENT_TYPES, { each: true, message: TYPES_MESSAGE })
  types?: EventType[];

  @ApiPropertyOptional({
    description: 'Client id glob; null removes the filter',
    pattern: CLIENT_FILTER_PATTERN.source,
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString({ message: FILTER_MESSAGE })
  @Matches(CLIENT_FILTER_PATTERN, { message: FILTER_MESSAGE })
  clientFilter?: string | null;

  @ApiPropertyOptional({ description: 'false resumes a paused subscription from where it stopped' })
  @OptionalNotNull()
  @IsBoolean({ message: 'paused must be false (to resume) or true (to pause)' })
  paused?: boolean;
}

export class ReplayDto {
  @ApiProperty({
    description: 'Re-send the events since this time (ISO 8601), within the retention',
    format: 'date-time',
  })
  @IsString({ message: 'from must be an ISO 8601 time' })
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 time' })
  @MaxLength(40, { message: 'from must be an ISO 8601 time' })
  from!: string;
}
