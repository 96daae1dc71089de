import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ApiRoute } from '../common/decorators/api-route.decorator.js';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { PrometheusService } from './prometheus.service.js';

/**
 * Prometheus scrape endpoint (admin key): `GET /metrics`, outside `/api/v1`. Rate-limited like
 * every other route, so the admin key cannot be guessed here without limit.
 */
@ApiTags('operator')
@AdminOnly()
@Controller('metrics')
export class PrometheusController {
  constructor(private readonly prometheus: PrometheusService) {}

  @ApiRoute({
    summary: "Pulse's own metrics in the Prometheus text format (admin key)",
    access: 'admin',
    storage: false,
    ok: {
      description: 'Prometheus exposition format 0.0.4',
      content: { 'text/plain': { schema: { type: 'string', description: '# HELP …\n# TYPE …\nname{labels} value' } } },
    },
  })
  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.prometheus.registry.metrics();
  }
}
