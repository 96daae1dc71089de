// What the tenant dashboard and the operator console share: formats (one date format, in the
// reader's locale; a consumer's time to drain in words), table rows, the API call, and the sign-in flow (the key kept in this tab's
// session storage, sent only in the Authorization header).
window.PulseUi = (() => {
  'use strict';
  const $ = (id) => document.getElementById(id);
  const text = (el, value) => { el.textContent = value; };
  const dateFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  const when = (iso) => (iso ? dateFmt.format(new Date(iso)) : '–');
  const numberFmt = new Intl.NumberFormat();
  const fmt = (n) => (typeof n === 'number' ? numberFmt.format(n) : '–');

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

  /** GET (or POST with a body) under /api/v1; a failure throws with `status` and the error body. */
  async function api(key, path, payload) {
    const init = { headers: { authorization: `Bearer ${key}` } };
    if (payload !== undefined) Object.assign(init, { method: 'POST', body: JSON.stringify(payload), headers: { ...init.headers, 'content-type': 'application/json' } });
    const res = await fetch(`/api/v1${path}`, init);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(body.message || `HTTP ${res.status}`), { status: res.status, body });
    return body;
  }

  return { $, text, dateFmt, when, fmt, row, drainWords, api, signIn };
})();
