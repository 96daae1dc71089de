import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** An optional `limit` query parameter: an integer from 1 to 1000 (default 100), with its 400 message. */
export function PageLimit(description: string): PropertyDecorator {
  const message = 'limit must be an integer from 1 to 1000';
  return applyDecorators(
    ApiPropertyOptional({ description: `${description} (1–1000)`, minimum: 1, maximum: 1000, default: 100 }),
    IsOptional(),
    Type(() => Number),
    IsInt({ message }),
    Min(1, { message }),
    Max(1000, { message }),
  );
}
