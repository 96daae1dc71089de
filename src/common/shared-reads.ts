/**
 * One read serves every caller asking for the same thing within `ttlMs`: callers arriving while
 * it is under way wait for it instead of starting another, and a failed read is not shared (the
 * next caller tries again). At most `max` entries are kept: expired ones are dropped first, and
 * if that many distinct reads happened within one interval the table starts over rather than grow.
 */
export class SharedReads<T> {
  private readonly entries = new Map<string, { at: number; read: Promise<T> }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
  ) {}

  get(key: string, now: number, load: () => Promise<T>): Promise<T> {
    const cached = this.entries.get(key);
    if (cached && now - cached.at < this.ttlMs) return cached.read;
    const read = load();
    if (this.entries.size >= this.max) this.prune(now);
    this.entries.set(key, { at: now, read });
    read.catch(() => {
      if (this.entries.get(key)?.read === read) this.entries.delete(key);
    });
    return read;
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries) if (now - entry.at >= this.ttlMs) this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.clear();
  }
}
