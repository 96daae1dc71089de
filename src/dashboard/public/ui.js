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

  // The operator's read-only view of a tenant (`?view=<tenantId>`, opened from the operator
  // console): the admin key from this tab's session, sent with the X-Pulse-View-Tenant header; the
  // server refuses every write, and pages hide what would write (`data-mutates`).
  const VIEW_PARAM = new URLSearchParams(location.search).get('view');
  const view = VIEW_PARAM && /^[A-Za-z0-9_-]{1,64}$/.test(VIEW_PARAM) ? VIEW_PARAM : null;
  /** The headers of every API call: the key, and in the read-only view the tenant viewed. */
  const authHeaders = (key) => (view ? { authorization: `Bearer ${key}`, 'x-pulse-view-tenant': view } : { authorization: `Bearer ${key}` });
  /** A page of the dashboard (`client.html?id=…`), keeping the read-only view; never a key. */
  function pageHref(page, params = {}) {
    const q = new URLSearchParams(params);
    if (view) q.set('view', view);
    const query = q.toString();
    return `${page}${query ? `?${query}` : ''}`;
  }
  /** Turns a table cell's text into a link to a page. */
  function linkCell(td, page, params) {
    wrapInLink(td, pageHref(page, params));
  }
  /** Puts an element's content inside a link to `href` (the anomaly lists, table cells). */
  function wrapInLink(el, href) {
    const a = document.createElement('a');
    a.href = href;
    a.append(...el.childNodes);
    el.replaceChildren(a);
  }

  /** An anomaly list's items (null: the tier has no anomaly detection; none: `none` said). */
  function anomalyItems(anomalies, none) {
    const list = anomalies === null ? [{ summary: 'Anomaly detection is on the enterprise tier.' }] : anomalies.length ? anomalies : [{ summary: none }];
    return list.map((a) => {
      const li = document.createElement('li');
      li.className = a.severity ? `sev-${a.severity}` : 'muted';
      li.textContent = a.type ? `${when(a.detectedAt)} · ${a.type} · ${a.status} · ${a.summary}` : a.summary;
      // An anomaly opens its story on the dashboard (anomaly.js, `#anomaly=<id>`).
      if (a.id) wrapInLink(li, `${pageHref('./')}#anomaly=${encodeURIComponent(a.id)}`);
      return li;
    });
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    return tr;
  }

  /** The URL fragment decoded; a malformed one (`#%E0`, typed or cut short) is no target: ''. */
  function fragmentText() {
    try {
      return decodeURIComponent(location.hash.slice(1));
    } catch {
      return '';
    }
  }

  /**
   * Wires the sign-in form: `load(key, open)` checks the key with a first read (throwing an error
   * with the HTTP status to refuse it), calls `open()` to show the app (so panels have their width
   * when drawn), then draws; `refused` is the text shown for a 401.
   */
  function signIn({ storageKey, load, refused }) {
    if (view) {
      storageKey = 'pulse.adminKey';
      refused = 'That key was not accepted: the admin key is needed, and the view must be opened from the operator console.';
      document.body.classList.add('read-only');
      const banner = document.createElement('p');
      banner.className = 'view-banner';
      banner.setAttribute('role', 'status');
      banner.textContent = `Read-only view of tenant ${view}, opened by the operator (admin key). Nothing can be changed here.`;
      // On the dashboard: straight to the tenant's worst consumer (JetStream, worst first) and its closest limit.
      for (const [id, words] of [['jetstream', 'Worst consumer'], ['usage', 'Closest limit']]) {
        if (!document.getElementById(id)) continue;
        const a = document.createElement('a');
        a.href = `#${id}`;
        a.textContent = words;
        banner.append(a);
      }
      document.querySelector('header').after(banner);
      const key = $('key');
      if (key) { key.placeholder = 'admin key'; key.setAttribute('aria-label', 'Admin API key'); }
    }
    const open = () => {
      $('signin').hidden = true;
      $('app').hidden = false;
      $('signout').hidden = false;
      // A link to a panel (#jetstream, #usage) lands on it once the app is shown.
      const target = location.hash.length > 1 ? document.getElementById(fragmentText()) : null;
      if (target) setTimeout(() => target.scrollIntoView(), 0);
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
   * throws with `status` and the error body; an answer with no body is `{}`. In the operator's
   * read-only view only GET is sent: anything else is refused here (and by the server).
   */
  async function api(key, path, payload, method) {
    const verb = method ?? (payload === undefined ? 'GET' : 'POST');
    if (verb !== 'GET' && view) throw Object.assign(new Error('This is a read-only view: nothing can be changed.'), { status: 403 });
    const init = { method: verb, headers: authHeaders(key) };
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


  /**
   * A page of one thing (a client, a subject): signs in (its key, or the read-only view's), reads
   * `path` and draws it, again every `everyMs`; `missing` is said for a 404, `pages` names the
   * pages for a 403 naming the tier.
   */
  function detailPage({ title, path, draw, note, missing, pages, everyMs }) {
    let key = null;
    async function refresh() {
      try {
        draw(await api(key, path));
      } catch (err) {
        if (err.status === 404) text($(note), missing);
        else if (err.status === 403 && err.body && err.body.requiredTier) text($(note), `${pages} are on the ${err.body.requiredTier} tier.`);
        else throw err;
      }
    }
    async function load(k, open) {
      key = k;
      text($(title.id), title.text);
      await api(key, '/tenant');
      open();
      await refresh();
      setInterval(() => void refresh().catch(() => undefined), everyMs);
    }
    $('back').href = pageHref('./');
    signIn({ storageKey: 'pulse.apiKey', load, refused: 'That key was not accepted.' });
  }


  return { detailPage, $, text, dateFmt, when, fmt, withUnit, byteSize, limitOf, limitFigure, usedOfMax, percent, row, element, drainWords, api, signIn, colour, onTheme, view, authHeaders, pageHref, linkCell, wrapInLink, anomalyItems };
})();
