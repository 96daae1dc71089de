import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { paths } from './schema.js';

export type { components, operations, paths } from './schema.js';

export interface PulseApiClientOptions extends Omit<ClientOptions, 'baseUrl' | 'headers'> {
  /** Where Pulse answers, e.g. `https://pulse.example.com` (routes carry their /api/v1 prefix). */
  baseUrl: string;
  /** A tenant key (`pk_…`) or, for /api/v1/admin and /metrics, the admin key. */
  apiKey: string;
  /** Further headers sent with every request (the key's authorization header wins). */
  headers?: Record<string, string>;
}

/**
 * A typed client of Pulse's HTTP API (openapi-fetch over the types generated from the OpenAPI
 * document): paths, parameters, bodies and answers are checked at compile time, and every request
 * carries the key as bearer token. An answer is `{ data }` on success or `{ error }` (the
 * ErrorBody: statusCode, error, message, code) otherwise, with `response` for its status and headers.
 */
export function createPulseApiClient(options: PulseApiClientOptions): Client<paths> {
  const { apiKey, headers, ...rest } = options;
  return createClient<paths>({
    ...rest,
    headers: { ...headers, authorization: `Bearer ${apiKey}` },
  });
}
