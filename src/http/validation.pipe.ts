import { type ArgumentMetadata, BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

interface FieldError {
  field: string;
  messages: string[];
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    // Rules of one field may share a message (a length bound and a format): said once.
    const own = e.constraints ? [{ field, messages: [...new Set(Object.values(e.constraints))] }] : [];
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/**
 * ValidationPipe's whitelist does not see a field named like a member of Object.prototype
 * (`?toString=1`, `{"valueOf": 1}`, `__proto__`, `prototype`): Nest or class-transformer drops it
 * silently. Such a
 * field is refused like any other unknown one, so "unknown fields are refused" holds for every name.
 */
class StrictValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    // Nest strips __proto__, constructor and prototype from the value in place: read the names first.
    const names = isRecord(value) ? Object.keys(value) : [];
    const result: unknown = await super.transform(value, metadata);
    if (result === value || !isRecord(result)) return result;
    const unknown = names.filter((key) => !Object.prototype.hasOwnProperty.call(result, key));
    if (unknown.length > 0) {
      throw this.exceptionFactory(
        unknown.map((property) => ({
          property,
          constraints: { whitelistValidation: `property ${property} should not exist` },
        })),
      );
    }
    return result;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Whitelisting validation for bodies and queries: unknown fields are refused, values are
 * transformed to their declared types, and the 400 names every bad field.
 */
export function createValidationPipe(): ValidationPipe {
  return new StrictValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => {
      const details = flatten(errors);
      return new BadRequestException({
        statusCode: 400,
        error: 'Bad Request',
        message: details.flatMap((d) => d.messages).join('; '),
        details,
      });
    },
  });
}
