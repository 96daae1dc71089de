// Pulse dashboard: plain browser JavaScript over the REST API and the SSE stream.
(() => {
  'use strict';
  const TIERS = ['basic', 'professional', 'enterprise'];
  const KEY = 'pulse.apiKey';
  const $ = (id) => document.getElementById(id);
  const state = { key: sessionStorage.getItem(KEY), tier: null, rate: [[], []], bytes: [[], []], charts: {}, stream: null, history: null, backtest: [] };

  async function api(path, payload) {
    const init = { headers: { authorization: `Bearer ${state.key}` } };
    if (payload !== undefined) Object.assign(init, { method: 'POST', body: JSON.stringify(payload), headers: { ...init.headers, 'content-type': 'application/json' } });
    const res = await fetch(`/api/v1${path}`, init);
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(body.message || `HTTP ${res.status}`), { status: res.status, body });
    return body;
  }

  const text = (el, value) => { el.textContent = value; };
  const fmt = (n) => (typeof n === 'number' ? n.toLocaleString('en') : '–');
  const allows = (tier, needed) => TIERS.indexOf(tier) >= TIERS.indexOf(needed);

  function lockPanels() {
    for (const el of document.querySelectorAll('[data-tier]')) {
      const needed = el.dataset.tier;
      const locked = !allows(state.tier, needed);
      el.classList.toggle('locked', locked);
      let note = el.querySelector(':scope > .lock-note');
      if (locked && !note) {
        note = document.createElement('div');
        note.className = 'lock-note';
        note.textContent = `Available on the ${needed} tier (current: ${state.tier}).`;
        el.prepend(note);
      }
    }
    for (const b of document.querySelectorAll('[data-needs]')) b.disabled = !allows(state.tier, b.dataset.needs);
  }

  function chart(id, label, data) {
    const el = $(id);
    if (state.charts[id]) { state.charts[id].setData(data); return; }
    state.charts[id] = new uPlot({ width: Math.max(300, el.clientWidth || 600), height: 200, series: [{}, { label, stroke: '#3b6fd8', width: 2, fill: 'rgba(59,111,216,.1)' }], axes: [{}, {}] }, data, el);
  }

  function onRealtime(r) {
    text($('rate'), fmt(r.messages.perSecond));
    text($('today'), fmt(r.messages.today));
    text($('clients'), `${fmt(r.clients.active)} / ${fmt(r.clients.total)}`);
    if (r.latencyMs) text($('latency'), `${r.latencyMs.p50} / ${r.latencyMs.p95} / ${r.latencyMs.p99}`);
    if (r.errorRate !== undefined) text($('errors'), `${(r.errorRate * 100).toFixed(2)} % / ${r.anomalies.open}`);
    const t = Date.parse(r.generatedAt) / 1000;
    for (const [series, value] of [[state.rate, r.messages.perSecond], [state.bytes, r.bytes.perSecond]]) {
      series[0].push(t);
      series[1].push(value);
      if (series[0].length > 300) { series[0].shift(); series[1].shift(); }
    }
    chart('rate-chart', 'messages/s', state.rate);
    chart('bytes-chart', 'bytes/s', state.bytes);
    text($('rate-points'), `${state.rate[0].length} points, live`);
    if (r.subjects) {
      $('subjects').tBodies[0].replaceChildren(...r.subjects.top.map((s) => row([s.subject, fmt(s.messages), fmt(s.bytes)])));
    }
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const c of cells) { const td = document.createElement('td'); td.textContent = c; tr.append(td); }
    return tr;
  }

  // EventSource cannot send an Authorization header, so the stream is read with fetch.
  async function stream() {
    state.stream?.abort();
    const controller = new AbortController();
    state.stream = controller;
    try {
      const res = await fetch('/api/v1/metrics/stream', { headers: { authorization: `Bearer ${state.key}` }, signal: controller.signal });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const lines = event.split('\n');
          const type = (lines.find((l) => l.startsWith('event: ')) || 'event: realtime').slice(7);
          const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('');
          if (!data) continue;
          if (type === 'closed') {
            // The key was revoked or the tenant disabled: back to the sign-in form.
            sessionStorage.removeItem(KEY);
            alert(`Signed out: ${JSON.parse(data).reason}`);
            location.reload();
            return;
          }
          onRealtime(JSON.parse(data));
        }
      }
    } catch (err) {
      if (err.name === 'AbortError') return;
    }
    if (!controller.signal.aborted) setTimeout(stream, 2000);
  }

  async function presence() {
    const status = $('presence-status').value;
    const search = $('presence-search').value.trim().toLowerCase();
    const query = allows(state.tier, 'professional') ? `?limit=200${status ? `&status=${status}` : ''}` : '';
    const p = await api(`/metrics/presence${query}`);
    const s = p.summary;
    text($('presence-summary'), `online ${s.online} (healthy ${s.healthy}, degraded ${s.degraded}, unhealthy ${s.unhealthy}) · offline ${s.offline} · total ${s.total}`);
    if (p.clients) {
      const rows = p.clients.filter((c) => !search || c.clientId.toLowerCase().includes(search))
        .map((c) => row([c.clientId, c.status, c.lastSeen ? new Date(c.lastSeen).toLocaleTimeString() : '–', fmt(c.metrics.messagesSent), fmt(c.metrics.messagesReceived), fmt(c.metrics.errors)]));
      $('presence').tBodies[0].replaceChildren(...rows);
    }
  }

  // The history chart: the series, real anomalies (red) and a backtest's (orange) as markers.
  function historyChart(data) {
    const el = $('history-chart');
    if (state.charts.history) { state.charts.history.setData(data); return; }
    const marker = (label, color) => ({ label, stroke: color, width: 0, paths: () => null, points: { show: true, size: 9, fill: color, stroke: color } });
    state.charts.history = new uPlot({
      width: Math.max(300, el.clientWidth || 600),
      height: 220,
      series: [{}, { label: 'messages', stroke: '#3b6fd8', width: 2, fill: 'rgba(59,111,216,.1)' }, marker('anomalies', '#d83b3b'), marker('backtest', '#e69500')],
      axes: [{}, {}],
    }, data, el);
  }

  /** Each event marked on the bucket it falls in, at that bucket's value. */
  function marks(times, values, events) {
    const out = times.map(() => null);
    const step = times.length > 1 ? times[1] - times[0] : 60;
    for (const e of events) {
      const t = Date.parse(e.detectedAt) / 1000;
      const i = times.findIndex((start) => t > start && t <= start + step);
      if (i >= 0) out[i] = values[i];
    }
    return out;
  }

  function drawHistory() {
    const h = state.history;
    if (!h) return;
    historyChart([h.times, h.values, marks(h.times, h.values, h.anomalies), marks(h.times, h.values, state.backtest)]);
  }

  async function history(period) {
    if (!allows(state.tier, 'professional')) return;
    try {
      const a = await api(`/metrics/analytics?period=${period}`);
      const hours = { '1h': 1, '24h': 24, '7d': 168, '30d': 720 }[period];
      const anomalies = allows(state.tier, 'enterprise') ? (await api(`/metrics/anomalies?hours=${hours}`)).anomalies : [];
      state.history = { period, times: a.series.map((p) => Date.parse(p.timestamp) / 1000), values: a.series.map((p) => p.messages), anomalies };
      drawHistory();
      text($('history-note'), `${period} at ${a.resolution}: ${fmt(a.totals.messages)} messages, peak ${fmt(a.totals.peakMessagesPerSecond)}/s · ${anomalies.length} ${anomalies.length === 1 ? 'anomaly' : 'anomalies'} marked`);
    } catch (err) {
      text($('history-note'), err.body && err.body.requiredTier ? `Available on the ${err.body.requiredTier} tier.` : err.message);
    }
  }

  /** What the detection pipeline would have opened over the stored history (nothing is stored). */
  async function backtest() {
    const period = $('backtest-period').value;
    const sensitivity = $('backtest-sensitivity').value;
    try {
      const b = await api('/metrics/anomalies/backtest', { period, sensitivity });
      state.backtest = b.anomalies;
      if (!state.history || state.history.period !== period) await history(period);
      else drawHistory();
      text($('backtest-note'), `Backtest ${b.period}, ${b.sensitivity}: ${b.anomalies.length} would have opened over ${b.windows} hourly windows (marked in orange).`);
      $('backtest-list').replaceChildren(...b.anomalies.map((x) => {
        const li = document.createElement('li');
        li.className = `sev-${x.severity}`;
        li.textContent = `${new Date(x.detectedAt).toLocaleString()} · ${x.type} · score ${x.score} · ${x.summary}`;
        return li;
      }));
    } catch (err) {
      text($('backtest-note'), err.body && err.body.requiredTier ? `Available on the ${err.body.requiredTier} tier.` : err.message);
    }
  }

  async function enterprise() {
    if (!allows(state.tier, 'enterprise')) return;
    const [anomalies, rules, deliveries] = await Promise.all([api('/metrics/anomalies?hours=168'), api('/alerts/rules'), api('/alerts/deliveries?limit=20')]);
    $('anomalies').replaceChildren(...(anomalies.anomalies.length ? anomalies.anomalies : [{ summary: 'No anomalies in the last 7 days.' }]).map((a) => {
      const li = document.createElement('li');
      li.className = a.severity ? `sev-${a.severity}` : 'muted';
      li.textContent = a.type ? `${new Date(a.detectedAt).toLocaleString()} · ${a.type} · ${a.status} · ${a.summary}` : a.summary;
      return li;
    }));
    $('rules').replaceChildren(...(rules.rules.length ? rules.rules : [{ name: 'No custom rules: every anomaly alerts all channels.' }]).map((r) => {
      const li = document.createElement('li');
      li.textContent = r.metric ? `${r.name}: ${r.metric} ${r.operator} ${r.threshold} for ${r.forSeconds}s (${r.severity})` : r.name;
      return li;
    }));
    $('deliveries').replaceChildren(...deliveries.deliveries.map((d) => {
      const li = document.createElement('li');
      li.textContent = `${new Date(d.at).toLocaleTimeString()} · ${d.channelType} · ${d.event} · ${d.outcome}${d.statusCode ? ` (${d.statusCode})` : ''}`;
      return li;
    }));
  }

  async function start() {
    try {
      const r = await api('/metrics/realtime');
      state.tier = r.tier;
      text($('who'), `${r.tenantId} · ${r.tier}`);
      $('signin').hidden = true;
      $('app').hidden = false;
      $('signout').hidden = false;
      lockPanels();
      onRealtime(r);
      void stream();
      void presence();
      void history('24h');
      void enterprise();
      setInterval(() => void presence(), 5000);
      setInterval(() => void enterprise(), 15000);
    } catch (err) {
      sessionStorage.removeItem(KEY);
      state.key = null;
      text($('signin-error'), err.status === 401 ? 'That key was not accepted.' : `Could not load: ${err.message}`);
    }
  }

  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.key = $('key').value.trim();
    sessionStorage.setItem(KEY, state.key);
    $('key').value = '';
    void start();
  });
  $('signout').addEventListener('click', () => { sessionStorage.removeItem(KEY); location.reload(); });
  $('presence-status').addEventListener('change', () => void presence());
  $('presence-search').addEventListener('input', () => void presence());
  for (const b of document.querySelectorAll('[data-period]')) b.addEventListener('click', () => void history(b.dataset.period));
  $('backtest-run').addEventListener('click', () => void backtest());
  if (state.key) void start();
})();
