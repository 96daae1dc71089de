import { Injectable, type PipeTransform } from '@nestjs/common';
import { InvalidInputError } from '../errors/domain-error.js';
import { ID_PATTERN } from '../ids.js';

/** Route parameters that name a tenant, client or key id. */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ID_PATTERN.test(value)) throw new InvalidInputError(`id must match ${ID_PATTERN.source}`);
    return value;
  }
}
