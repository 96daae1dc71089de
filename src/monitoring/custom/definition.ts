import type { JsonShapeLimits } from '../../common/json-shape.js';

/** Where a custom metric's value comes from: the message itself (1), a JSON field, or a header. */
export const CUSTOM_SOURCES = ['count', 'json', 'header'] as const;
export type CustomSource = (typeof CUSTOM_SOURCES)[number];
export const CUSTOM_AGGREGATIONS = ['count', 'sum', 'avg', 'min', 'max', 'p50', 'p95', 'p99'] as const;
export type CustomAggregation = (typeof CUSTOM_AGGREGATIONS)[number];

/** A tenant's definition of a metric over its own traffic (enterprise). */
export interface CustomMetricDefinition {
  id: string;
  name: string;
  /** A NATS pattern relative to the tenant's namespace: `orders.*` is `tenant.{id}.orders.*`. */
  subject: string;
  source: CustomSource;
  /** json: a dotted path into the payload (`order.total`). */
  field: string | null;
  /** header: the header holding a number. */
  header: string | null;
  aggregation: CustomAggregation;
  unit: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Payloads larger than this are not parsed (counted as `tooLarge`): parsing stays bounded per message. */
export const MAX_PARSED_PAYLOAD_BYTES = 64 * 1024;
/**
 * Nor are payloads of a costlier shape (counted as `tooLarge` too): 64 KiB nested `[[[[…` cost
 * ~1.5-2 ms to parse, ten times a flat 64 KiB one. A value is read at a dotted path of objects,
 * so 32 levels is deeper than any path a definition can sensibly name.
 */
export const PARSED_PAYLOAD_SHAPE: JsonShapeLimits = { maxDepth: 32, maxTokens: 8192 };
