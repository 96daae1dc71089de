import { obj, oneOfValues, type Schema, str } from '../common/schema.js';

/** Response bodies of the probes, by component name (readiness is documented by Terminus). */
export const HEALTH_SCHEMAS: Record<string, Schema> = {
  Live: obj({
    status: oneOfValues(['ok']),
    version: { ...str, description: "Pulse's version (package.json; semantic versioning)" },
  }),
};
