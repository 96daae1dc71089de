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
