import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageLimit } from '../../common/decorators/page-limit.decorator.js';
import { ID_PATTERN } from '../../common/ids.js';
import { MAX_FILTER_LENGTH } from '../../common/text-filter.js';

/** Longest subject a subject page takes (NATS subjects are short; stored subjects are bounded). */
export const MAX_SUBJECT_LENGTH = 256;
/** Rows a subjects page may skip at most (the day's ranking holds far fewer). */
export const MAX_OFFSET = 100_000;
export const SUBJECT_SORTS = ['messages', 'bytes', 'subject'] as const;
export const SORT_ORDERS = ['asc', 'desc'] as const;

export class ClientParams {
  @ApiProperty({ description: 'The client id (as in its heartbeats)', pattern: ID_PATTERN.source })
  @IsString()
  @Matches(ID_PATTERN, { message: `clientId must match ${ID_PATTERN.source}` })
  clientId!: string;
}

export class SubjectParams {
  @ApiProperty({ description: 'The subject as stored (URL-encoded), at most 256 characters, no spaces' })
  @IsString()
  @MaxLength(MAX_SUBJECT_LENGTH, { message: `subject must be at most ${MAX_SUBJECT_LENGTH} characters` })
  @Matches(/^\S+$/u, { message: 'subject must be non-empty and hold no whitespace' })
  subject!: string;
}

/** A filter on ids or subjects: a plain substring, or a glob whose only wildcard is `*`. */
function FilterField(what: string): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({
      description: `Only ${what} containing this text; with \`*\`, a glob over the whole ${what.replace(/s$/, '')} (\`*\` any run of characters). No regular expressions. At most ${MAX_FILTER_LENGTH} characters.`,
      maxLength: MAX_FILTER_LENGTH,
    })(target, key);
    IsOptional()(target, key);
    IsString({ message: `${String(key)} must be a string` })(target, key);
    MaxLength(MAX_FILTER_LENGTH, { message: `${String(key)} must be at most ${MAX_FILTER_LENGTH} characters` })(
      target,
      key,
    );
  };
}

export class SubjectsQuery {
  @ApiPropertyOptional({ enum: SUBJECT_SORTS, default: 'messages' })
  @IsOptional()
  @IsIn(SUBJECT_SORTS, { message: `sort must be one of: ${SUBJECT_SORTS.join(', ')}` })
  sort: (typeof SUBJECT_SORTS)[number] = 'messages';

  @ApiPropertyOptional({ enum: SORT_ORDERS, description: 'Default: desc for messages and bytes, asc for subject' })
  @IsOptional()
  @IsIn(SORT_ORDERS, { message: 'order must be asc or desc' })
  order?: (typeof SORT_ORDERS)[number];

  @FilterField('subjects')
  filter?: string;

  @ApiPropertyOptional({ description: `Rows to skip (0–${MAX_OFFSET})`, minimum: 0, maximum: MAX_OFFSET, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: `offset must be an integer from 0 to ${MAX_OFFSET}` })
  @Min(0, { message: `offset must be an integer from 0 to ${MAX_OFFSET}` })
  @Max(MAX_OFFSET, { message: `offset must be an integer from 0 to ${MAX_OFFSET}` })
  offset: number = 0;

  @PageLimit('Subjects per page')
  limit: number = 100;
}

export { FilterField };
