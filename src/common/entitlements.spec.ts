import { describe, expect, it } from 'vitest';
import type { Tier } from './tiers.js';
import { TIERS } from './tiers.js';
import {
  entitled,
  entitlementsOf,
  FEATURES,
  type Feature,
  featuresOf,
  lowestTier,
  TIER_LIMITS,
  tiersWith,
} from './entitlements.js';

/** What the code gated before the table existed (the table must keep it), by tier; JetStream (#33) after. */
const BEFORE: Record<Tier, Feature[]> = {
  basic: [],
  professional: ['realtimeDetail', 'clientList', 'connections', 'analytics', 'exports', 'jetstream'],
  enterprise: [
    'errorRate',
    'anomalies',
    'clientBehaviour',
    'forecast',
    'customMetrics',
    'alerts',
    'auditLog',
    'jetstreamHistory',
  ],
};

describe('entitlements', () => {
  it('every feature has a tier, and the tiers are what the code gated before', () => {
    expect([...FEATURES].sort()).toEqual(Object.values(BEFORE).flat().sort());
    for (const tier of TIERS) {
      for (const feature of BEFORE[tier]) expect(lowestTier(feature), feature).toBe(tier);
    }
  });

  it('a tier has a feature from its lowest tier up', () => {
    for (const feature of FEATURES) {
      const from = TIERS.indexOf(lowestTier(feature));
      for (const [i, tier] of TIERS.entries()) expect(entitled(tier, feature), `${tier} ${feature}`).toBe(i >= from);
      expect(tiersWith(feature)).toEqual(TIERS.slice(from));
    }
  });

  it("lists a tier's features, and every feature with its tier for the dashboard", () => {
    expect(featuresOf('basic')).toEqual([]);
    expect(featuresOf('professional')).toEqual(BEFORE.professional);
    expect(featuresOf('enterprise')).toEqual(FEATURES);
    expect(entitlementsOf('professional')).toContainEqual({
      feature: 'anomalies',
      requiredTier: 'enterprise',
      entitled: false,
    });
    expect(
      entitlementsOf('professional')
        .filter((e) => e.entitled)
        .map((e) => e.feature),
    ).toEqual(featuresOf('professional'));
  });

  it('history days per tier are the defaults the tiers always had (1, 7, 30)', () => {
    expect(TIERS.map((t) => TIER_LIMITS[t].historyDays)).toEqual([1, 7, 30]);
  });
});
