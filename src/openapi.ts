import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { ErrorBodyDto } from './http/error-body.dto.js';

/** OpenAPI at /api/docs (JSON at /api/docs-json): every route, the bearer scheme, the error body. */
export function setupOpenApi(app: INestApplication): void {
  const config = new DocumentBuilder()
    .setTitle('Pulse')
    .setDescription(
      'Multi-tenant NATS monitoring. Tenant routes read the tenant of the API key only; admin routes take the operator key.',
    )
    .setVersion('1')
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      description: 'A tenant key (pk_…) or, for /admin and /metrics, the admin key',
    })
    .addSecurityRequirements('bearer')
    .build();
  const document = SwaggerModule.createDocument(app, config, { extraModels: [ErrorBodyDto] });
  const errorRef = { $ref: '#/components/schemas/ErrorBodyDto' };
  for (const path of Object.values(document.paths)) {
    for (const operation of Object.values(path) as { responses?: Record<string, unknown> }[]) {
      if (!operation || typeof operation !== 'object' || !('responses' in operation)) continue;
      operation.responses ??= {};
      for (const [status, description] of [
        ['400', 'Invalid query or body (names the field)'],
        ['401', 'Missing, unknown or revoked key'],
        ['403', 'Tier too low (names requiredTier and currentTier)'],
      ]) {
        operation.responses[status] ??= { description, content: { 'application/json': { schema: errorRef } } };
      }
    }
  }
  SwaggerModule.setup('api/docs', app, document, { jsonDocumentUrl: 'api/docs-json' });
}
