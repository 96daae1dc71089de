import { Controller, Get, Header } from '@nestjs/common';
import { AdminOnly } from '../common/decorators/admin-only.decorator.js';
import { PrometheusService } from './prometheus.service.js';

/**
 * Prometheus scrape endpoint (admin key): `GET /metrics`, outside `/api/v1`. Rate-limited like
 * every other route, so the admin key cannot be guessed here without limit.
 */
@AdminOnly()
@Controller('metrics')
export class PrometheusController {
  constructor(private readonly prometheus: PrometheusService) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.prometheus.registry.metrics();
  }
}
