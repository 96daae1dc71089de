import { ADMIN_KEY } from './pulse-app.js';

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  body: T;
  headers: Headers;
}

export async function request<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  path: string,
  { key, body, rawBody }: { key?: string; body?: unknown; rawBody?: string } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = {};
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined || rawBody !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as T, headers: response.headers };
}

export interface CreatedTenant {
  id: string;
  tier: string;
  apiKey: string;
  keyId: string;
}

export async function createTenant(
  baseUrl: string,
  id: string,
  tier: 'basic' | 'professional' | 'enterprise' = 'basic',
): Promise<CreatedTenant> {
  const res = await request<CreatedTenant>(baseUrl, 'POST', '/api/v1/admin/tenants', {
    key: ADMIN_KEY,
    body: { id, tier },
  });
  if (res.status !== 201) throw new Error(`creating tenant ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** All-time message total of the key's tenant as `/metrics/realtime` reports it (undefined unless 200). */
export async function realtimeTotal(baseUrl: string, key: string): Promise<number | undefined> {
  const res = await request<{ messages?: { total: number } }>(baseUrl, 'GET', '/api/v1/metrics/realtime', { key });
  return res.status === 200 ? res.body.messages?.total : undefined;
}
