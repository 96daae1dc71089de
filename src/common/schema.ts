/**
 * Builders for the OpenAPI 3.0 response schemas (plain JSON Schema objects with `nullable`).
 * Objects are closed (`additionalProperties: false`) and list what is required, so the contract
 * test fails when a route answers with a field the document does not describe, or without one
 * it promises.
 */
export type Schema = Record<string, unknown>;

export const str: Schema = { type: 'string' };
export const dateTime: Schema = { type: 'string', format: 'date-time' };
export const int: Schema = { type: 'integer' };
export const num: Schema = { type: 'number' };
export const bool: Schema = { type: 'boolean' };

export const nullable = (schema: Schema): Schema => ({ ...schema, nullable: true });
export const oneOfValues = (values: readonly (string | number)[], type = 'string'): Schema => ({ type, enum: values });
export const arr = (items: Schema): Schema => ({ type: 'array', items });
/** An object whose keys are data (reasons, subjects): values of one schema. */
export const record = (values: Schema): Schema => ({ type: 'object', additionalProperties: values });
/** Free-form details (anomaly evidence, error details). */
export const anyObject: Schema = { type: 'object', additionalProperties: true };
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** A closed object: every property required except those named in `optional`. */
export function obj(properties: Record<string, Schema>, optional: readonly string[] = []): Schema {
  const required = Object.keys(properties).filter((k) => !optional.includes(k));
  return {
    type: 'object',
    additionalProperties: false,
    ...(required.length > 0 && { required }),
    properties,
  };
}

/** Properties of several closed objects joined into one (OpenAPI 3.0 has no unevaluatedProperties). */
export function extend(base: Schema, properties: Record<string, Schema>, optional: readonly string[] = []): Schema {
  const b = base as { properties: Record<string, Schema>; required?: string[] };
  const more = obj(properties, optional) as { required?: string[] };
  const required = [...(b.required ?? []), ...(more.required ?? [])];
  return {
    type: 'object',
    additionalProperties: false,
    ...(required.length > 0 && { required }),
    properties: { ...b.properties, ...properties },
  };
}
