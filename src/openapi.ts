import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { ALERTING_SCHEMAS } from './alerting/alerting.schemas.js';
import { PULSE_VERSION } from './config/build-info.js';
import { HEALTH_SCHEMAS } from './health/health.schemas.js';
import { ErrorBodyDto } from './http/error-body.dto.js';
import { METRICS_SCHEMAS } from './metrics/metrics.schemas.js';
import { OBSERVABILITY_SCHEMAS } from './observability/observability.schemas.js';
import { TENANT_SCHEMAS } from './tenants/tenants.schemas.js';
import { COMPLIANCE_SCHEMAS } from './compliance/compliance.schemas.js';
import { JETSTREAM_SCHEMAS } from './jetstream/jetstream.schemas.js';
import { USAGE_EXPORT_SCHEMAS } from './usage/usage-export.schemas.js';
import { USAGE_SCHEMAS } from './usage/usage.schemas.js';
import { EVENTS_SCHEMAS } from './events/events.schemas.js';

/** Every response body's schema, by the name routes refer to (`ApiRoute`'s `schema`). */
const RESPONSE_SCHEMAS = {
  ...METRICS_SCHEMAS,
  ...TENANT_SCHEMAS,
  ...ALERTING_SCHEMAS,
  ...HEALTH_SCHEMAS,
  ...OBSERVABILITY_SCHEMAS,
  ...COMPLIANCE_SCHEMAS,
  ...JETSTREAM_SCHEMAS,
  ...USAGE_EXPORT_SCHEMAS,
  ...USAGE_SCHEMAS,
  ...EVENTS_SCHEMAS,
};

const TAGS: [string, string][] = [
  ['metrics', "The tenant's own traffic, presence, history and anomalies (tenant key)"],
  ['tenant', "The key's tenant: its tier and what it unlocks (tenant key)"],
  ['alerts', 'Alert channels, rules, silences and history (enterprise tenant key)'],
  ['events', "Event subscriptions: the tenant's endpoints sent signed webhooks (professional tenant key)"],
  [
    'admin',
    'Tenants and their keys, the audit trail, data export, erasure, the compliance report and the usage export (admin key)',
  ],
  ['audit', "The tenant's own audit trail (enterprise tenant key)"],
  ['health', 'Probes for orchestrators (no key)'],
  ['operator', "Pulse's own metrics (admin key)"],
];

/**
 * The OpenAPI document: the contract of the HTTP API. Every operation's statuses and bodies come
 * from its `@ApiRoute`; the response schemas from the features' `*.schemas.ts`; the contract tests
 * validate the document and check real answers of every route against it.
 */
export function buildOpenApiDocument(app: INestApplication, serverUrl = '/'): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Pulse')
    .setDescription(
      'Multi-tenant NATS monitoring. Tenant routes read the tenant of the API key only; admin routes take the operator key.',
    )
    // Pulse's version (package.json): the API, the SDK and the typed client are versioned together.
    .setVersion(PULSE_VERSION)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer(serverUrl, 'This Pulse')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'An opaque key: a tenant key (pk_…), or the admin key for /api/v1/admin and /metrics',
    })
    .addSecurityRequirements('bearer');
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ErrorBodyDto] });
  const schemas = (document.components ??= {}).schemas ?? {};
  // The error body under the name every route refers to.
  schemas.ErrorBody = schemas.ErrorBodyDto;
  delete schemas.ErrorBodyDto;
  Object.assign(schemas, RESPONSE_SCHEMAS);
  document.components.schemas = schemas;
  // Keys are opaque, not JWTs (the builder's default bearerFormat says JWT).
  const bearer = document.components.securitySchemes?.bearer as { bearerFormat?: string } | undefined;
  if (bearer) delete bearer.bearerFormat;
  // Probes take no key.
  for (const path of ['/health/live', '/health/ready']) {
    const get = document.paths[path]?.get;
    if (get) get.security = [];
  }
  return document;
}

/** OpenAPI at /api/docs (JSON at /api/docs-json). */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup('api/docs', app, buildOpenApiDocument(app), { jsonDocumentUrl: 'api/docs-json' });
}
