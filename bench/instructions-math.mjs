// Arithmetic of the instruction-count benchmark (bench/instructions.mjs), kept apart so that it is
// unit-tested (bench/instructions.spec.mjs).

/**
 * The difference method: a process counted `small` instructions with n deliveries and `large` with
 * 2n (the same first n): one delivery costs (large − small) / n. What does not grow with the
 * deliveries (start, module loading, connecting, warm-up) is in both counts and cancels; the rest
 * of the small run, `fixed`, is what that costs.
 */
export function differencePerDelivery(small, large, n) {
  if (!(n > 0) || !Number.isFinite(small) || !Number.isFinite(large)) throw new Error('need n > 0 and two counts');
  if (large <= small) throw new Error(`the 2N run counted no more than the N run (${large} ≤ ${small})`);
  const perDelivery = (large - small) / n;
  return {
    small,
    large,
    perDelivery: Number(perDelivery.toFixed(1)),
    fixed: Math.round(small - n * perDelivery),
  };
}

/** Median (mean of the middle two for an even count), minimum and maximum. */
export function span(values) {
  if (values.length === 0) throw new Error('no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median: Number(median.toFixed(3)), min: sorted[0], max: sorted.at(-1) };
}
