import { Histogram, type Registry } from 'prom-client';
import { BUCKETS_PER_DOUBLING, bucketValue } from '../common/latency-histogram.js';

/** One line of a histogram as prom-client's Registry prints it. */
interface HistogramLine {
  metricName: string;
  labels: { le?: number | string };
  sharedLabels: Record<string, never>;
  value: number;
}

/**
 * A Prometheus histogram of whole-millisecond latencies that a component already keeps in the fine
 * buckets of common/latency-histogram, read at scrape time (prom-client's Histogram observes one
 * value at a time). Shown at every half doubling; `le` is exact: fine buckets 0..i hold the
 * latencies below 2^(i/8) ms, that is at most ceil(2^(i/8)) − 1 whole ms. The sum is estimated
 * from each fine bucket's midpoint (within ~4.5 %).
 */
export class LatencyBucketsHistogram extends Histogram {
  constructor(
    private readonly metricName: string,
    private readonly metricHelp: string,
    registers: Registry[],
    private readonly read: () => ArrayLike<number>,
  ) {
    super({ name: metricName, help: metricHelp, registers, buckets: [] });
  }

  /** What prom-client's Registry prints for a histogram (its `get()` reads this too): the component's buckets. */
  getForPromString(): Promise<{
    name: string;
    help: string;
    type: 'histogram';
    aggregator: 'sum';
    values: HistogramLine[];
  }> {
    const counts = this.read();
    const line = (suffix: string, value: number, labels: HistogramLine['labels'] = {}): HistogramLine => ({
      metricName: `${this.metricName}_${suffix}`,
      labels,
      sharedLabels: {},
      value,
    });
    const values: HistogramLine[] = [];
    let cumulative = 0;
    let sumMs = 0;
    let lastLe = -1;
    for (let i = 0; i < counts.length; i++) {
      cumulative += counts[i];
      sumMs += counts[i] * bucketValue(i);
      const le = i === 0 ? 0 : Math.ceil(2 ** (i / BUCKETS_PER_DOUBLING)) - 1;
      if (i % (BUCKETS_PER_DOUBLING / 2) === 0 && le > lastLe) {
        values.push(line('bucket', cumulative, { le: le / 1000 }));
        lastLe = le;
      }
    }
    values.push(line('bucket', cumulative, { le: '+Inf' }), line('sum', sumMs / 1000), line('count', cumulative));
    return Promise.resolve({
      name: this.metricName,
      help: this.metricHelp,
      type: 'histogram',
      aggregator: 'sum',
      values,
    });
  }
}
