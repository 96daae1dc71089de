import { Reflector } from '@nestjs/core';
import type { Tier } from '../tiers.js';

/** The lowest tier whose tenant keys may call the route (checked by ApiKeyGuard). */
export const RequiresTier = Reflector.createDecorator<Tier>();
