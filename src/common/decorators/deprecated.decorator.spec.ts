import 'reflect-metadata';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiRoute } from './api-route.decorator.js';
import { Deprecated } from './deprecated.decorator.js';

const since = new Date('2027-01-15T00:00:00Z');
const sunset = new Date('2027-07-31T00:00:00Z');
const link = 'https://example.com/pulse/CHANGELOG.md#030';

@Controller('probe')
class ProbeController {
  @ApiRoute({ summary: 'Old route', access: 'public', storage: false, ok: { description: 'ok' } })
  @Deprecated({ since, sunset, link })
  @Get('old')
  old() {
    return { old: true };
  }

  @Deprecated({ since, sunset, link })
  @ApiRoute({ summary: 'Old too', access: 'public', storage: false, ok: { description: 'ok' } })
  @Get('older')
  older() {
    return { old: true };
  }

  @ApiRoute({ summary: 'Current', access: 'public', storage: false, ok: { description: 'ok' } })
  @Get('current')
  current() {
    return { old: false };
  }
}

describe('@Deprecated (Deprecation, Sunset and Link headers; OpenAPI deprecated)', () => {
  let app: INestApplication;
  let url: string;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ controllers: [ProbeController] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });
  afterAll(() => app?.close());

  it('answers a deprecated route with Deprecation (RFC 9745), Sunset (RFC 8594) and Link rel="deprecation"', async () => {
    for (const path of ['/probe/old', '/probe/older']) {
      const res = await fetch(url + path);
      expect(res.status).toBe(200);
      expect(res.headers.get('deprecation')).toBe(`@${since.getTime() / 1000}`);
      expect(res.headers.get('sunset')).toBe('Sat, 31 Jul 2027 00:00:00 GMT');
      expect(res.headers.get('link')).toBe(`<${link}>; rel="deprecation"`);
      expect(await res.json()).toEqual({ old: true });
    }
    const current = await fetch(`${url}/probe/current`);
    expect(current.headers.get('deprecation')).toBeNull();
    expect(current.headers.get('sunset')).toBeNull();
  });

  it('marks the operation deprecated in the OpenAPI document, keeping its summary (either decorator order)', () => {
    const doc = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    expect(doc.paths['/probe/old'].get).toMatchObject({ summary: 'Old route', deprecated: true });
    expect(doc.paths['/probe/older'].get).toMatchObject({ summary: 'Old too', deprecated: true });
    expect(doc.paths['/probe/current'].get?.deprecated).toBeUndefined();
  });

  it('refuses a sunset less than six months after the deprecation', () => {
    expect(() => Deprecated({ since, sunset: new Date('2027-04-15T00:00:00Z'), link })).toThrow(/183 days/);
    expect(() => Deprecated({ since, sunset: new Date('invalid'), link })).toThrow(/183 days/);
  });
});
