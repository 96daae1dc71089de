import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches, ValidateIf } from 'class-validator';
import {
  CUSTOM_AGGREGATIONS,
  CUSTOM_SOURCES,
  type CustomAggregation,
  type CustomSource,
} from '../../monitoring/custom/definition.js';
import { OptionalNotNull } from '../../common/decorators/optional-not-null.decorator.js';

/** A dotted path of up to 8 keys of letters, digits, '_', '-' or '$' (each 1 to 64). */
const FIELD_PATH = /^[A-Za-z0-9_$-]{1,64}(\.[A-Za-z0-9_$-]{1,64}){0,7}$/;
const HEADER_NAME = /^[A-Za-z0-9-]{1,64}$/;
const SUBJECT_DOC = "NATS pattern relative to the tenant's namespace ('*' one token, a final '>' the rest)";

/** The rules of each field, shared by create (required) and update (optional). */
const Rules = {
  name: () =>
    applyDecorators(
      IsString({ message: 'name must be a string' }),
      Length(1, 100, { message: 'name must be 1 to 100 characters' }),
    ),
  // The service checks the pattern (patternProblem); the length is bounded here first.
  subject: () =>
    applyDecorators(
      IsString({ message: 'subject must be a string' }),
      Length(1, 200, { message: 'subject must be 1 to 200 characters' }),
    ),
  source: () => IsIn(CUSTOM_SOURCES, { message: `source must be one of: ${CUSTOM_SOURCES.join(', ')}` }),
  aggregation: () =>
    IsIn(CUSTOM_AGGREGATIONS, { message: `aggregation must be one of: ${CUSTOM_AGGREGATIONS.join(', ')}` }),
  field: () =>
    applyDecorators(
      IsOptional(),
      ValidateIf((_o, v) => v !== null),
      Matches(FIELD_PATH, { message: "field must be a dotted path of up to 8 keys (letters, digits, '_', '-', '$')" }),
    ),
  header: () =>
    applyDecorators(
      IsOptional(),
      ValidateIf((_o, v) => v !== null),
      Matches(HEADER_NAME, { message: "header must be a header name (letters, digits, '-')" }),
    ),
  unit: () =>
    applyDecorators(
      IsOptional(),
      ValidateIf((_o, v) => v !== null),
      IsString({ message: 'unit must be a string' }),
      Length(1, 20, { message: 'unit must be 1 to 20 characters' }),
    ),
};

/** Body of POST /metrics/custom. */
export class CreateCustomMetricDto {
  @ApiProperty({ maxLength: 100 }) @Rules.name() name!: string;
  @ApiProperty({ description: SUBJECT_DOC, maxLength: 200 }) @Rules.subject() subject!: string;
  @ApiProperty({ enum: CUSTOM_SOURCES }) @Rules.source() source!: CustomSource;
  @ApiProperty({ enum: CUSTOM_AGGREGATIONS }) @Rules.aggregation() aggregation!: CustomAggregation;
  @ApiPropertyOptional({ description: 'source json: dotted path into the payload (order.total)', nullable: true })
  @Rules.field()
  field?: string | null;
  @ApiPropertyOptional({ description: 'source header: the header holding a number', nullable: true })
  @Rules.header()
  header?: string | null;
  @ApiPropertyOptional({ description: 'Unit shown with values (EUR, ms)', maxLength: 20, nullable: true })
  @Rules.unit()
  unit?: string | null;
}

/**
 * Body of PATCH /metrics/custom/:id: any of the fields; subject, source, field, header and
 * aggregation only with their current value (a change is a 400: create a new metric instead).
 */
export class UpdateCustomMetricDto {
  @ApiPropertyOptional({ maxLength: 100 }) @OptionalNotNull() @Rules.name() name?: string;
  @ApiPropertyOptional({ description: SUBJECT_DOC, maxLength: 200 })
  @OptionalNotNull()
  @Rules.subject()
  subject?: string;
  @ApiPropertyOptional({ enum: CUSTOM_SOURCES }) @OptionalNotNull() @Rules.source() source?: CustomSource;
  @ApiPropertyOptional({ enum: CUSTOM_AGGREGATIONS })
  @OptionalNotNull()
  @Rules.aggregation()
  aggregation?: CustomAggregation;
  @ApiPropertyOptional({ description: 'source json: dotted path into the payload', nullable: true })
  @Rules.field()
  field?: string | null;
  @ApiPropertyOptional({ description: 'source header: the header holding a number', nullable: true })
  @Rules.header()
  header?: string | null;
  @ApiPropertyOptional({ description: 'Unit shown with values', maxLength: 20, nullable: true })
  @Rules.unit()
  unit?: string | null;
}
