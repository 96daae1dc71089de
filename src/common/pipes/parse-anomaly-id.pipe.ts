import { Injectable, type PipeTransform } from '@nestjs/common';
import { InvalidInputError } from '../errors/domain-error.js';
import { ANOMALY_ID_PATTERN } from '../ids.js';

/** Route parameters that name an anomaly: `an_` and up to 32 lowercase letters or digits. */
@Injectable()
export class ParseAnomalyIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!ANOMALY_ID_PATTERN.test(value)) throw new InvalidInputError(`id must match ${ANOMALY_ID_PATTERN.source}`);
    return value;
  }
}
