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
  const res = await request<CreatedTenant>(baseUrl, 'POST', '/api/v1/admin/tenants', { key: ADMIN_KEY, body: { id, tier } });
  if (res.status !== 201) throw new Error(`creating tenant ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}
