import type { Tier } from '../tiers.js';
import { DomainError } from './domain-error.js';

/** TIER_REQUIRED (403): the body tells the dashboard which tier unlocks the resource. */
export class TierRequiredException extends DomainError {
  constructor(
    readonly requiredTier: Tier,
    readonly currentTier: Tier,
    what = 'This resource',
  ) {
    super('TIER_REQUIRED', `${what} requires the ${requiredTier} tier (current tier: ${currentTier})`, {
      requiredTier,
      currentTier,
    });
  }
}
