import { Reflector } from '@nestjs/core';
import type { Feature } from '../entitlements.js';

/** The feature a route belongs to: tenant keys below its tier (entitlements table) get 403 from ApiKeyGuard. */
export const RequiresFeature = Reflector.createDecorator<Feature>();
