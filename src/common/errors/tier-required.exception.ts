import { ForbiddenException } from '@nestjs/common';
import type { Tier } from '../tiers.js';

/** 403 whose body tells the dashboard which tier unlocks the resource. */
export class TierRequiredException extends ForbiddenException {
  constructor(requiredTier: Tier, currentTier: Tier, what = 'This resource') {
    super({
      statusCode: 403,
      error: 'Forbidden',
      message: `${what} requires the ${requiredTier} tier (current tier: ${currentTier})`,
      requiredTier,
      currentTier,
    });
  }
}
