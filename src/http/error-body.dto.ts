import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The body of every error answer (OpenAPI schema `ErrorBody`). */
export class ErrorBodyDto {
  @ApiProperty({ example: 403 }) statusCode!: number;
  @ApiProperty({ example: 'Forbidden' }) error!: string;
  @ApiProperty({ example: 'This resource requires the enterprise tier (current tier: professional)' }) message!: string;
  @ApiPropertyOptional({ description: 'Per-field problems of a 400', type: 'array', items: { type: 'object' } })
  details?: unknown[];
  @ApiPropertyOptional({ description: '403 only', enum: ['basic', 'professional', 'enterprise'] })
  requiredTier?: string;
  @ApiPropertyOptional({ description: '403 only', enum: ['basic', 'professional', 'enterprise'] }) currentTier?: string;
}
