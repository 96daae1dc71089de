// The history's time range: a preset back from now (15 min … 30 days, those within the tenant's
// retention) or a custom from–to (the range form, or a drag on the chart). The range is kept in
// the URL's fragment (#range=1h, or #from=…&to=… in ISO 8601), so a link or a reload opens the
// same view; other fragment parameters are left as they are. The API key is never in the URL.
window.PulseTime = (() => {
  'use strict';
  const MINUTE = 60_000;
  const DAY = 86_400_000;
  const PRESETS = [
    { id: '15m', ms: 15 * MINUTE, label: '15 min' },
    { id: '1h', ms: 60 * MINUTE, label: '1 h' },
    { id: '24h', ms: DAY, label: '24 h' },
    { id: '7d', ms: 7 * DAY, label: '7 days' },
    { id: '30d', ms: 30 * DAY, label: '30 days' },
  ];
  const presetOf = (id) => PRESETS.find((p) => p.id === id);
  /** The presets a tenant keeping `historyDays` days of history can ask for. */
  const presetsWithin = (historyDays) => PRESETS.filter((p) => p.ms <= historyDays * DAY);

  /** An ISO 8601 time in the fragment, or NaN (bounded: a fragment is the reader's input). */
  const timeOf = (value) => (typeof value === 'string' && value.length <= 40 ? Date.parse(value) : NaN);

  /** The range in the URL: { preset } or { from, to } (ms), or null when there is none (or it is not valid). */
  function read(hash = location.hash) {
    const params = new URLSearchParams(hash.replace(/^#/, ''));
    const preset = presetOf(params.get('range'));
    if (preset) return { preset: preset.id };
    const from = timeOf(params.get('from'));
    const to = timeOf(params.get('to'));
    if (Number.isFinite(from) && Number.isFinite(to) && to - from >= MINUTE) return { from, to };
    return null;
  }

  /** Puts `range` in the URL (a new history entry, so Back returns to the previous range). */
  function write(range) {
    const params = new URLSearchParams(location.hash.replace(/^#/, ''));
    for (const k of ['range', 'from', 'to']) params.delete(k);
    if (range.preset) params.set('range', range.preset);
    else {
      params.set('from', new Date(range.from).toISOString());
      params.set('to', new Date(range.to).toISOString());
    }
    const hash = `#${params.toString()}`;
    if (hash !== location.hash) history.pushState(null, '', hash);
  }

  /**
   * The times a range asks for (ms): a preset back from `now`; a custom range with its start no
   * further back than the history kept and its end no later than now (`clamped` says it was
   * moved), at least a minute long.
   */
  function resolve(range, now, historyDays) {
    if (range.preset) return { from: now - presetOf(range.preset).ms, to: now, clamped: false };
    const oldest = now - historyDays * DAY;
    const to = Math.min(range.to, now);
    const from = Math.max(range.from, oldest);
    if (to - from < MINUTE) return { from: Math.min(from, now - MINUTE), to: Math.min(from, now - MINUTE) + MINUTE, clamped: true };
    return { from, to, clamped: from !== range.from || to !== range.to };
  }

  /** The analytics query of a range: `from` alone for a preset (up to now), else `from` and `to`. */
  function query(range, times) {
    const from = `from=${encodeURIComponent(new Date(times.from).toISOString())}`;
    return range.preset ? from : `${from}&to=${encodeURIComponent(new Date(times.to).toISOString())}`;
  }

  /** A time as an <input type="datetime-local"> value, in the reader's time zone. */
  function localInput(ms) {
    const d = new Date(ms);
    const two = (n) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}`;
  }

  /** A range widened to `factor` times its length around its middle (zoom out), up to now. */
  function widen(times, factor, now) {
    const half = ((times.to - times.from) * factor) / 2;
    const middle = (times.from + times.to) / 2;
    const to = Math.min(now, middle + half);
    return { from: to - 2 * half, to };
  }

  return { PRESETS, MINUTE, presetOf, presetsWithin, read, write, resolve, query, localInput, widen };
})();
