import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { AuditInterceptor } from './audit.interceptor.js';
import { AuditRepository } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/**
 * The audit trail's writers, below every feature: the API-key guard reports refusals and key use
 * to AuditService, and AuditInterceptor (global) writes an entry for every @Audited route.
 */
@Module({
  providers: [AuditRepository, AuditService, { provide: APP_INTERCEPTOR, useClass: AuditInterceptor }],
  exports: [AuditRepository, AuditService],
})
export class AuditModule {}
