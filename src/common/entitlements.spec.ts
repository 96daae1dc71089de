import { describe, expect, it } from 'vitest';
import type { Tier } from './tiers.js';
import { TIERS } from './tiers.js';
import {
  entitled,
  entitlementsOf,
  EVENT_TYPES,
  eventTypesOf,
  FEATURES,
  type Feature,
  featuresOf,
  lowestTier,
  TIER_LIMITS,
  tiersWith,
} from './entitlements.js';

/** What the code gated before the table existed (the table must keep it), by tier. */
const BEFORE: Record<Tier, Feature[]> = {
  basic: [],
  professional: ['realtimeDetail', 'clientList', 'connections', 'analytics', 'exports'],
  enterprise: ['errorRate', 'anomalies', 'clientBehaviour', 'forecast', 'customMetrics', 'alerts', 'auditLog'],
};

/** Features added since (issue #33: JetStream per tenant; #38: webhook events), appended to their tier's list. */
const ADDED: Record<Tier, Feature[]> = {
  basic: [],
  professional: ['jetstream', 'eventSubscriptions'],
  enterprise: ['jetstreamHistory'],
};
const NOW = Object.fromEntries(TIERS.map((t) => [t, [...BEFORE[t], ...ADDED[t]]])) as Record<Tier, Feature[]>;

describe('entitlements', () => {
  it('every feature has a tier, and the tiers are what the code gated before', () => {
    expect([...FEATURES].sort()).toEqual(Object.values(NOW).flat().sort());
    for (const tier of TIERS) {
      for (const feature of NOW[tier]) expect(lowestTier(feature), feature).toBe(tier);
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
    expect(featuresOf('professional')).toEqual(NOW.professional);
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

  it('webhook event types: none for basic, presence, connections and limits from professional, anomalies enterprise', () => {
    expect(eventTypesOf('basic')).toEqual([]);
    expect(eventTypesOf('professional')).toEqual([
      'client.online',
      'client.status_changed',
      'client.offline',
      'connection.opened',
      'connection.closed',
      'limit.opened',
      'limit.resolved',
    ]);
    expect(eventTypesOf('enterprise')).toEqual(EVENT_TYPES);
    // A tier with any event type has subscriptions.
    for (const tier of TIERS) expect(eventTypesOf(tier).length > 0).toBe(entitled(tier, 'eventSubscriptions'));
    expect(TIERS.map((t) => TIER_LIMITS[t].eventRetentionHours)).toEqual([0, 24, 72]);
  });
});
