import { applyDecorators } from '@nestjs/common';
import { ValidateBy, ValidateIf } from 'class-validator';

/**
 * A field of a create or update body that may be left out (unchanged, or the default) but has no
 * meaning as null: absent skips its other validators, null is a 400 naming the field.
 * `@IsOptional()` lets null through as well, and an update spread over the stored record then
 * stored the null (a rule of nulls broke every later evaluation). Use `@IsOptional()` with
 * `@ValidateIf((_o, v) => v !== null)` only where null means something (clears a value).
 */
export function OptionalNotNull(): PropertyDecorator {
  return applyDecorators(
    ValidateIf((_o, v) => v !== undefined),
    ValidateBy({
      name: 'isNotNull',
      validator: {
        validate: (v: unknown) => v !== null,
        defaultMessage: (args) => `${args?.property ?? 'field'} must not be null (leave it out instead)`,
      },
    }),
  );
}
