import { Reflector } from '@nestjs/core';
import type { Tier } from '../tiers.js';

/**
 * For a host app's own routes: the lowest tier whose tenant keys may call it (ApiKeyGuard answers
 * 403 TIER_REQUIRED below it, after @RequiresFeature). Pulse's routes take @RequiresFeature only,
 * so that moving a feature in the entitlements table moves its routes.
 */
export const RequiresTier = Reflector.createDecorator<Tier>();
