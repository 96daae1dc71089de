export const TIERS = ['basic', 'professional', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

const RANK: Record<Tier, number> = { basic: 0, professional: 1, enterprise: 2 };

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

/** True when `current` includes everything `required` offers. */
export function tierAtLeast(current: Tier, required: Tier): boolean {
  return RANK[current] >= RANK[required];
}

/** The tier with the fewest features: a tenant's without plan or tier, reads that want counters only. */
export const LOWEST_TIER: Tier = TIERS[0];

/** The tier with every feature: internal reads that want every field of a view. */
export const HIGHEST_TIER: Tier = TIERS[TIERS.length - 1];
