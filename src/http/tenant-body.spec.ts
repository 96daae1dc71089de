import { BadRequestException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { createValidationPipe } from './validation.pipe.js';
import { CreateTenantDto, UpdateTenantDto } from '../tenants/dto/tenant.dto.js';

const pipe = createValidationPipe();
const update = (body: object) => pipe.transform(body, { type: 'body', metatype: UpdateTenantDto });
/** The fields a 400 names, or null when the body is valid. */
async function refused(body: object, metatype: typeof UpdateTenantDto = UpdateTenantDto): Promise<string[] | null> {
  try {
    await pipe.transform(body, { type: 'body', metatype });
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(BadRequestException);
    const answer = (err as BadRequestException).getResponse() as { details: { field: string }[]; message: string };
    return answer.details.map((d) => d.field);
  }
}

describe('the tenant admin body: natsAccount and limits (issue #34)', () => {
  it('takes an account public key, an account name or null as natsAccount', async () => {
    const key = `A${'B'.repeat(55)}`;
    expect(await update({ natsAccount: key })).toMatchObject({ natsAccount: key });
    expect(await update({ natsAccount: 'TENANT_A' })).toMatchObject({ natsAccount: 'TENANT_A' });
    expect(await update({ natsAccount: null })).toMatchObject({ natsAccount: null });
    for (const bad of ['', 'has space', 'x'.repeat(129), 'a/b', 7, ['A']])
      expect(await refused({ natsAccount: bad }), JSON.stringify(bad)).toEqual(['natsAccount']);
    expect(await refused({ id: 't1', natsAccount: 'a*' }, CreateTenantDto)).toEqual(['natsAccount']);
  });

  it('takes limits field by field: a positive safe integer or null; a 400 names the field', async () => {
    expect(await update({ limits: { connections: 5, payload: null } })).toMatchObject({
      limits: { connections: 5, payload: null },
    });
    expect(await update({ limits: {} })).toMatchObject({ limits: {} });
    for (const bad of [0, -1, 1.5, '5', Number.MAX_SAFE_INTEGER + 1, true])
      expect(await refused({ limits: { jetstreamStorage: bad } }), JSON.stringify(bad)).toEqual([
        'limits.jetstreamStorage',
      ]);
    // The monthly message quota is monthlyMessageQuota, not a limit here; unknown names are refused.
    expect(await refused({ limits: { monthlyMessages: 5 } })).toEqual(['limits.monthlyMessages']);
    for (const bad of [null, 5, 'x', [1]])
      expect(await refused({ limits: bad }), JSON.stringify(bad)).toContain('limits');
  });
});
