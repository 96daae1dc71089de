// What the tenant dashboard and the operator console share: formats (one date format, in the
// reader's locale; a consumer's time to drain in words; sizes; a limit's name, figures and
// utilisation), table rows, the API call, and the sign-in flow (the key kept in this tab's
// session storage, sent only in the Authorization header).
window.PulseUi = (() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const text = (el, value) => { el.textContent = value; };
  const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  const when = (iso) => (iso ? dateFmt.format(new Date(iso)) : '–');
  const numberFmt = new Intl.NumberFormat();
  const fmt = (n) => (typeof n === 'number' ? numberFmt.format(n) : '–');
  /** A figure with decimal units: 61 MB, 1.5 kB. */
  const withUnit = (units) => (n) => {
    let i = 0;
    while (n >= 1000 && i < units.length - 1) { n /= 1000; i++; }
    return `${numberFmt.format(Number(n.toFixed(n < 10 && i > 0 ? 1 : 0)))} ${units[i]}`;
  };
  const byteSize = withUnit(['B', 'kB', 'MB', 'GB', 'TB']);

  // Limits (GET /metrics/usage, /admin/usage): each one's name, what it counts, whether in bytes,
  // and whether its peak today is kept apart from its use (the others' peak is their use).
  const LIMITS = new Map([
    ['connections', { label: 'Connections', unit: ['connection', 'connections'], peak: true }],
    ['subscriptions', { label: 'Subscriptions', unit: ['subscription', 'subscriptions'], peak: true }],
    ['payload', { label: 'Largest message today', bytes: true }],
    ['data', { label: 'Data this month (in and out)', bytes: true }],
    ['jetstreamMemory', { label: 'JetStream memory', bytes: true }],
    ['jetstreamStorage', { label: 'JetStream storage', bytes: true }],
    ['jetstreamStreams', { label: 'JetStream streams', unit: ['stream', 'streams'] }],
    ['jetstreamConsumers', { label: 'JetStream consumers', unit: ['consumer', 'consumers'] }],
    ['monthlyMessages', { label: 'Messages this month', unit: ['message', 'messages'] }],
  ]);
  const limitOf = (name) => LIMITS.get(name) ?? { label: name, unit: ['', ''] };
  /** A limit's figure with its unit: "4 connections", "900 B". */
  function limitFigure(name, n) {
    const l = limitOf(name);
    if (l.bytes) return byteSize(n);
    return `${fmt(n)}${l.unit[0] ? ` ${n === 1 ? l.unit[0] : l.unit[1]}` : ''}`;
  }
  /** "4 of 5 connections", "900 B of 1 kB". */
  function usedOfMax(name, used, max) {
    const l = limitOf(name);
    return l.bytes ? `${byteSize(used)} of ${byteSize(max)}` : `${fmt(used)} of ${limitFigure(name, max)}`;
  }
  /** Utilisation in whole percent, never rounded up past a threshold (79.6 % is 79 %); "< 1 %" above none. */
  function percent(u) {
    const p = Math.floor(u * 100 + 1e-9);
    return p === 0 && u > 0 ? '< 1 %' : `${fmt(p)} %`;
  }

  /** A consumer's time to drain in words: "drained", "~3 min", "not draining", "—" (not known yet). */
  function drainWords(drain) {
    if (!drain || drain.state === 'unknown') return '—';
    if (drain.state === 'drained') return 'drained';
    if (drain.state !== 'draining') return 'not draining';
    const s = drain.seconds;
    if (s < 60) return `~${Math.max(1, Math.round(s))} s`;
    if (s < 3600) return `~${Math.round(s / 60)} min`;
    if (s < 86400) return `~${Math.round(s / 3600)} h`;
    return `~${Math.round(s / 86400)} d`;
  }

  /** A new element with a class and text (never HTML). */
  function element(tag, className, content) {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (content !== undefined) el.textContent = content;
    return el;
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    return tr;
  }

  /**
   * Wires the sign-in form: `load(key, open)` checks the key with a first read (throwing an error
   * with the HTTP status to refuse it), calls `open()` to show the app (so panels have their width
   * when drawn), then draws; `refused` is the text shown for a 401.
   */
  function signIn({ storageKey, load, refused }) {
    const open = () => {
      $('signin').hidden = true;
      $('app').hidden = false;
      $('signout').hidden = false;
    };
    const start = async (key) => {
      try {
        await load(key, open);
      } catch (err) {
        sessionStorage.removeItem(storageKey);
        text($('signin-error'), err.status === 401 ? refused : `Could not load: ${err.message}`);
      }
    };
    $('signin-form').addEventListener('submit', (e) => {
      e.preventDefault();
      const key = $('key').value.trim();
      sessionStorage.setItem(storageKey, key);
      $('key').value = '';
      void start(key);
    });
    $('signout').addEventListener('click', () => { sessionStorage.removeItem(storageKey); location.reload(); });
    const saved = sessionStorage.getItem(storageKey);
    if (saved) void start(saved);
  }

  /**
   * GET (or POST with a body; `method` names another: PATCH, DELETE) under /api/v1; a failure
   * throws with `status` and the error body; an answer with no body is `{}`.
   */
  async function api(key, path, payload, method) {
    const init = { method: method ?? (payload === undefined ? 'GET' : 'POST'), headers: { authorization: `Bearer ${key}` } };
    if (payload !== undefined) Object.assign(init, { body: JSON.stringify(payload), headers: { ...init.headers, 'content-type': 'application/json' } });
    const res = await fetch(`/api/v1${path}`, init);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(body.message || `HTTP ${res.status}`), { status: res.status, body });
    return body;
  }

  // The theme: dashboard.css's variables (light, or dark when the system asks), read for what
  // draws on canvas (the charts); `onTheme(fn)` runs fn when the system's setting changes.
  const colours = new Map();
  /** The current value of a CSS variable, say colour('--accent'). */
  function colour(name) {
    if (!colours.has(name)) colours.set(name, getComputedStyle(document.documentElement).getPropertyValue(name).trim());
    return colours.get(name);
  }
  const themeListeners = [];
  const scheme = window.matchMedia('(prefers-color-scheme: dark)');
  scheme.addEventListener('change', () => {
    colours.clear();
    for (const fn of themeListeners) fn();
  });
  const onTheme = (fn) => { themeListeners.push(fn); };

  return { $, text, dateFmt, when, fmt, withUnit, byteSize, limitOf, limitFigure, usedOfMax, percent, row, element, drainWords, api, signIn, colour, onTheme };
})();
