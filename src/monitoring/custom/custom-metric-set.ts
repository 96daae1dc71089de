import type { Msg } from '@nats-io/transport-node';
import { MAX_STORED_SUBJECT_CHARS } from '../../common/stored-subject.js';
import { minuteEpochOf } from '../../common/time.js';
import type { CustomMetricDefinition } from './definition.js';
import { parsePayload, valueFrom } from './extract.js';
import { compilePattern, matches, type SubjectPattern } from './subject-pattern.js';
import { valueBucket } from './value-histogram.js';
import { isPercentile } from './figures.js';

/**
 * One definition's figures for one minute of one window: exact count/sum/min/max, and the value
 * histogram only for a percentile aggregation (nothing else reads it, and it is most of the cost
 * of a value: a logarithm, a Map update, a stored field per bucket).
 */
export class CustomAggregate {
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;
  unparsable = 0;
  tooLarge = 0;
  readonly histogram: Map<number, number> | null;

  constructor(withHistogram = true) {
    this.histogram = withHistogram ? new Map<number, number>() : null;
  }

  add(value: number): void {
    this.count++;
    this.sum += value;
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    if (this.histogram !== null) {
      const b = valueBucket(value);
      this.histogram.set(b, (this.histogram.get(b) ?? 0) + 1);
    }
  }

  mergeFrom(other: CustomAggregate): void {
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
    this.unparsable += other.unparsable;
    this.tooLarge += other.tooLarge;
    if (this.histogram !== null && other.histogram !== null)
      for (const [b, n] of other.histogram) this.histogram.set(b, (this.histogram.get(b) ?? 0) + n);
  }
}

/** minute epoch → definition id → figures. */
export type CustomFigures = Map<number, Map<string, CustomAggregate>>;

export interface Compiled {
  /** Position among the tenant's definitions: the slot of its aggregate in a minute's array. */
  index: number;
  id: string;
  pattern: SubjectPattern;
  source: CustomMetricDefinition['source'];
  header: string | null;
  path: readonly string[] | null;
  histogram: boolean;
}

/**
 * The definitions one subject matches, worked out once per subject. `owner` is the set it was
 * worked out for: a caller that keeps a match (the tap keeps it in the window's subject entry, so
 * a message costs no second lookup) sees from it when the tenant's definitions have changed.
 */
export interface CustomMatch {
  readonly owner: CustomMetricSet;
  readonly defs: readonly Compiled[];
  /** Some definition reads the payload as JSON: it is parsed once for all of them. */
  readonly json: boolean;
}

/** Subjects whose matching definitions are remembered per tenant (a bounded table, then no cache). */
const MATCH_CACHE = 10_000;
/**
 * The table's bound in characters of subjects (1 Mi: ~1 MiB of one-byte strings), and only
 * subjects of at most MAX_STORED_SUBJECT_CHARS are kept: a longer one is matched each time
 * (linear in its length), so 4 KB subjects cannot make the table 40 MiB.
 */
export const MATCH_CACHE_CHARS = 1 << 20;

/**
 * A tenant's custom metrics on the tap. Only messages whose subject matches a definition are
 * inspected; which definitions a subject matches is worked out once per subject (then one Map
 * lookup), so the other messages cost one lookup. Values accumulate in memory per minute and are
 * taken by the flush with the rest of the window.
 */
export class CustomMetricSet {
  private readonly compiled: Compiled[];
  private readonly bySubject = new Map<string, CustomMatch>();
  private cachedChars = 0;
  private readonly none: CustomMatch = { owner: this, defs: [], json: false };
  /** minute epoch → each definition's aggregate (by its index), while the window is open. */
  private minutes = new Map<number, (CustomAggregate | undefined)[]>();
  private currentMinute = -1;
  private current: (CustomAggregate | undefined)[] = [];

  constructor(prefix: string, tenantId: string, definitions: readonly CustomMetricDefinition[]) {
    this.compiled = definitions.map((d, index) => ({
      index,
      id: d.id,
      pattern: compilePattern(prefix, tenantId, d.subject),
      source: d.source,
      header: d.header,
      path: d.source === 'json' && d.field ? d.field.split('.') : null,
      histogram: isPercentile(d.aggregation),
    }));
  }

  get size(): number {
    return this.compiled.length;
  }

  /** The definitions `subject` matches (one Map lookup once the subject is known). */
  matching(subject: string): CustomMatch {
    const known = this.bySubject.get(subject);
    if (known !== undefined) return known;
    const defs = this.compiled.filter((c) => matches(c.pattern, subject));
    const result: CustomMatch =
      defs.length > 0 ? { owner: this, defs, json: defs.some((d) => d.source === 'json') } : this.none;
    if (
      subject.length <= MAX_STORED_SUBJECT_CHARS &&
      this.bySubject.size < MATCH_CACHE &&
      this.cachedChars + subject.length <= MATCH_CACHE_CHARS
    ) {
      this.bySubject.set(subject, result);
      this.cachedChars += subject.length;
    }
    return result;
  }

  /** Characters of the subjects the match table holds (at most MATCH_CACHE_CHARS). */
  get cachedSubjectChars(): number {
    return this.cachedChars;
  }

  /** `data`: the message's payload, when the caller has it already (`msg.data` makes a view a call). */
  observe(msg: Msg, now: number, data: Uint8Array = msg.data): void {
    this.observeMatched(this.matching(msg.subject), msg, now, data);
  }

  /** As `observe`, with the subject's match already at hand (it must be this set's). */
  observeMatched(match: CustomMatch, msg: Msg, now: number, data: Uint8Array): void {
    const defs = match.defs;
    if (defs.length === 0) return;
    const minute = minuteEpochOf(now);
    if (minute !== this.currentMinute) {
      let slots = this.minutes.get(minute);
      if (!slots) this.minutes.set(minute, (slots = new Array<CustomAggregate | undefined>(this.compiled.length)));
      this.current = slots;
      this.currentMinute = minute;
    }
    const slots = this.current;
    // One parse per message, however many definitions read its payload.
    const parsed = match.json ? parsePayload(data) : undefined;
    for (const def of defs) {
      let agg = slots[def.index];
      if (!agg) slots[def.index] = agg = new CustomAggregate(def.histogram);
      // Headers are decoded only for a definition that reads one (the getter decodes them all).
      const value = valueFrom(def, parsed, def.source === 'header' ? msg.headers : undefined);
      if (value === 'unparsable') agg.unparsable++;
      else if (value === 'too_large') agg.tooLarge++;
      else agg.add(value);
    }
  }

  /** The window's figures; the next window starts empty. */
  take(): CustomFigures | null {
    if (this.minutes.size === 0) return null;
    const taken: CustomFigures = new Map();
    for (const [minute, slots] of this.minutes) {
      const byId = new Map<string, CustomAggregate>();
      slots.forEach((agg, index) => agg && byId.set(this.compiled[index].id, agg));
      taken.set(minute, byId);
    }
    this.minutes = new Map();
    this.currentMinute = -1;
    this.current = [];
    return taken;
  }
}

/** Both windows' figures in one (`into` is changed and returned when both are there). */
export function combineFigures(into: CustomFigures | null, from: CustomFigures | null): CustomFigures | null {
  if (into === null) return from;
  if (from !== null) mergeFigures(into, from);
  return into;
}

/** Adds `from` into `into` (two unsent windows of one tenant). */
function mergeFigures(into: CustomFigures, from: CustomFigures): void {
  for (const [minute, byId] of from) {
    let target = into.get(minute);
    if (!target) into.set(minute, (target = new Map<string, CustomAggregate>()));
    for (const [id, agg] of byId) {
      const existing = target.get(id);
      if (existing) existing.mergeFrom(agg);
      else target.set(id, agg);
    }
  }
}
