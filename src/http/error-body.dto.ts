import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, ERROR_MEANING, statusOf } from '../common/errors/error-codes.js';

/** The code's description: each code with its status and meaning, one a line. */
const CODES_DESCRIBED = [
  'What went wrong, stable for clients to switch on (the status follows from it):',
  ...ERROR_CODES.map((code) => `- \`${code}\` (${statusOf(code)}): ${ERROR_MEANING.get(code)}`),
].join('\n');

/** The body of every error answer (OpenAPI schema `ErrorBody`). */
export class ErrorBodyDto {
  @ApiProperty({ example: 403 }) statusCode!: number;
  @ApiProperty({ example: 'Forbidden' }) error!: string;
  @ApiProperty({ example: 'This resource requires the enterprise tier (current tier: professional)' }) message!: string;
  @ApiProperty({ enum: ERROR_CODES, description: CODES_DESCRIBED, example: 'TIER_REQUIRED' })
  code!: string;
  @ApiPropertyOptional({ description: 'Per-field problems of a 400', type: 'array', items: { type: 'object' } })
  details?: unknown[];
  @ApiPropertyOptional({ description: '403 only', enum: ['basic', 'professional', 'enterprise'] })
  requiredTier?: string;
  @ApiPropertyOptional({ description: '403 only', enum: ['basic', 'professional', 'enterprise'] }) currentTier?: string;
  @ApiPropertyOptional({
    description: "429 of a domain's own limit (e.g. a replay): seconds until a retry may pass, as `Retry-After` says",
    example: 7,
  })
  retryAfter?: number;
}
