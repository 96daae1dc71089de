// Pulse dashboard: plain browser JavaScript over the REST API and the SSE stream.
(() => {
  'use strict';
  const { $, text, dateFmt, when, fmt, withUnit, byteSize, limitOf, limitFigure, usedOfMax, percent, row, drainWords, colour, onTheme } = window.PulseUi;
  const Time = window.PulseTime;
  // features: what GET /tenant serves, by feature name ({ requiredTier, entitled }); historyDays likewise.
  const state = { key: null, tier: null, features: new Map(), historyDays: 0, rate: [[], []], bytes: [[], []], charts: {}, stream: null, history: null, backtest: [], lagKeys: '', range: { preset: '24h' } };
  const api = (path, payload) => window.PulseUi.api(state.key, path, payload);

  const compactFmt = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
  // Figures in the reader's locale: milliseconds to two decimals, a share as a percentage.
  const msFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
  const shareFmt = new Intl.NumberFormat(undefined, { style: 'percent', minimumFractionDigits: 2, maximumFractionDigits: 2 });
  const bytesPerSecond = withUnit(['B/s', 'kB/s', 'MB/s', 'GB/s']);
  /** Whether the tenant has a feature (the server's entitlements table decides; unknown: no). */
  const can = (feature) => state.features.get(feature)?.entitled === true;

  function lockPanels() {
    for (const el of document.querySelectorAll('[data-feature]')) {
      const locked = !can(el.dataset.feature);
      el.classList.toggle('locked', locked);
      let note = el.querySelector(':scope > .lock-note');
      if (locked && !note) {
        note = document.createElement('div');
        note.className = 'lock-note';
        const needed = state.features.get(el.dataset.feature)?.requiredTier ?? 'a higher';
        note.textContent = `Available on the ${needed} tier (current: ${state.tier}).`;
        el.prepend(note);
      }
    }
    for (const b of document.querySelectorAll('[data-needs]')) b.disabled = !can(b.dataset.needs);
    // A period longer than the history the tenant keeps would answer 403.
    for (const b of document.querySelectorAll('[data-days]')) b.disabled = Number(b.dataset.days) > state.historyDays;
  }

  // Time ticks in whole seconds at least (uPlot would go down to milliseconds on a short span).
  const TIME_INCRS = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
  const clockSeconds = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  const day = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
  const dayHour = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit' });
  function timeTicks(u, ticks, axisIndex, space, incr) {
    const f = incr >= 86400 ? day : incr >= 10800 ? dayHour : incr < 60 ? clockSeconds : clock;
    return ticks.map((t) => f.format(new Date(t * 1000)));
  }

  /**
   * A line chart whose y axis starts at zero (a rate near 40/s must not look like a cliff when it
   * wobbles), with axis titles and units, time ticks in the reader's locale and a legend value.
   */
  function lineChart(el, yTitle, yValue, series, data, extra = {}) {
    // Colours from the theme (read when drawn, so a change of the system's setting redraws them).
    const themed = { stroke: () => colour('--fg'), grid: { stroke: () => colour('--grid') }, ticks: { stroke: () => colour('--grid') } };
    return new uPlot({
      width: Math.max(280, el.clientWidth || 600),
      height: 220,
      scales: { y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      series: [{ label: 'time', value: (u, v) => (v == null ? '–' : dateFmt.format(new Date(v * 1000))) }, ...series],
      axes: [
        { ...themed, label: 'time (local)', space: 110, incrs: TIME_INCRS, values: timeTicks },
        { ...themed, label: yTitle, size: 64, values: (u, ticks) => ticks.map(yValue) },
      ],
      ...extra,
    }, data, el);
  }
  /** The main series' line: the theme's accent. */
  const accentLine = { stroke: () => colour('--accent'), width: 2, fill: () => colour('--accent-fill') };
  // A change of theme redraws the charts, their legend's swatches too (uPlot colours them once).
  onTheme(() => {
    for (const c of Object.values(state.charts)) {
      c.root.querySelectorAll('.u-series').forEach((row, i) => {
        const marker = row.querySelector('.u-marker');
        const s = c.series[i];
        if (!marker || i === 0) return;
        marker.style.borderColor = s.stroke(c, i);
        if (s.fill) marker.style.background = s.fill(c, i);
      });
      c.redraw(false);
    }
  });

  const CHART_UNITS = {
    'rate-chart': ['messages / s', (v) => compactFmt.format(v)],
    'bytes-chart': ['bytes / s', bytesPerSecond],
  };

  function chart(id, label, data) {
    if (state.charts[id]) { state.charts[id].setData(data); return; }
    const [title, value] = CHART_UNITS[id];
    state.charts[id] = lineChart($(id), title, value, [{ ...accentLine, label, value: (u, v) => (v == null ? '–' : value(v)) }], data);
  }

  // The worst consumers' lag: one line each, colours told apart (and named in the legend).
  const LAG_COLOURS = ['#d83b3b', '#3b6fd8', '#e69500', '#2e8540', '#7a4cc2'];
  const LAG_LINES = LAG_COLOURS.length;

  // The chart instances, for the browser test (axis titles, scales, tick labels are drawn on canvas).
  window.pulseCharts = state.charts;

  // Charts follow their panel's width (a phone turned, a window resized).
  window.addEventListener('resize', () => {
    for (const [id, c] of Object.entries(state.charts)) {
      const el = $(id === 'history' ? 'history-chart' : id);
      if (el.clientWidth > 0) c.setSize({ width: el.clientWidth, height: 220 });
    }
  });

  const LIVE_SECONDS = 300;
  function drawLive() {
    chart('rate-chart', 'messages/s', state.rate);
    chart('bytes-chart', 'bytes/s', state.bytes);
    text($('rate-points'), `${state.rate[0].length} points, live`);
  }

  /**
   * The live charts start from the last minutes rather than empty: the first read asks for
   * `recent` (GET /metrics/realtime?recent=true, every tier), rates every 10 s computed as the
   * stream's are, placed before the first live point.
   */
  function prefillLive(recent) {
    if (!recent) return;
    for (const [series, values] of [[state.rate, recent.messages], [state.bytes, recent.bytes]]) {
      const first = series[0].length ? series[0][0] : Infinity;
      const keep = recent.times.map((t, i) => [t, values[i]]).filter(([t]) => t < first && t >= first - LIVE_SECONDS);
      series[0].unshift(...keep.map(([t]) => t));
      series[1].unshift(...keep.map(([, v]) => v));
    }
  }

  function onRealtime(r) {
    text($('rate'), fmt(r.messages.perSecond));
    text($('today'), fmt(r.messages.today));
    text($('clients'), `${fmt(r.clients.active)} / ${fmt(r.clients.total)}`);
    if (r.latencyMs) text($('latency'), [r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99].map((v) => msFmt.format(v)).join(' / '));
    if (r.errorRate !== undefined) text($('errors'), `${shareFmt.format(r.errorRate)} / ${fmt(r.anomalies.open)}`);
    const t = Date.parse(r.generatedAt) / 1000;
    for (const [series, value] of [[state.rate, r.messages.perSecond], [state.bytes, r.bytes.perSecond]]) {
      series[0].push(t);
      series[1].push(value);
      // The last five minutes (or 300 points).
      while (series[0].length > 300 || series[0][0] < t - LIVE_SECONDS) { series[0].shift(); series[1].shift(); }
    }
    drawLive();
    if (r.custom) customMetrics(r.custom);

    if (r.subjects) {
      $('subjects').tBodies[0].replaceChildren(...r.subjects.top.map((s) => {
        const tr = row([s.subject, fmt(s.messages), fmt(s.bytes)]);
        window.PulseUi.linkCell(tr.cells[0], 'subject.html', { subject: s.subject });
        return tr;
      }));
    }
  }

  /** One row per custom metric, from the realtime body (updated with every stream event). */
  function customMetrics(list) {
    const unit = (c, v) => (v === null ? '–' : `${fmt(v)}${c.unit ? ` ${c.unit}` : ''}`);
    $('custom').tBodies[0].replaceChildren(...list.map((c) => row([c.name, c.aggregation, unit(c, c.lastMinute), unit(c, c.today), fmt(c.unparsable)])));
    text($('custom-note'), list.length ? `${list.length} custom ${list.length === 1 ? 'metric' : 'metrics'}; last minute = the last complete UTC minute.` : 'No custom metrics yet: define them with POST /api/v1/metrics/custom.');
  }

  // EventSource cannot send an Authorization header, so the stream is read with fetch.
  async function stream() {
    state.stream?.abort();
    const controller = new AbortController();
    state.stream = controller;
    try {
      const res = await fetch('/api/v1/metrics/stream', { headers: window.PulseUi.authHeaders(state.key), signal: controller.signal });
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
            sessionStorage.removeItem('pulse.apiKey');
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
    const search = $('presence-search').value.trim().slice(0, 128);
    const query = can('clientList') ? `?limit=200${status ? `&status=${status}` : ''}${search ? `&search=${encodeURIComponent(search)}` : ''}&sort=${$('presence-sort').value}` : '';
    const p = await api(`/metrics/presence${query}`);
    const s = p.summary;
    text($('presence-summary'), `online ${s.online} (healthy ${s.healthy}, degraded ${s.degraded}, unhealthy ${s.unhealthy}) · offline ${s.offline} · total ${s.total}`);
    if (p.clients) {
      const rows = p.clients.map((c) => {
          const tr = row([c.clientId, c.status, when(c.lastSeen), fmt(c.metrics.messagesSent), fmt(c.metrics.messagesReceived), fmt(c.metrics.errors)]);
          window.PulseUi.linkCell(tr.cells[0], 'client.html', { id: c.clientId });
          return tr;
        });
      $('presence').tBodies[0].replaceChildren(...rows);
    }
  }

  // The history chart: the series, real anomalies (red) and a backtest's (orange) as markers.
  function historyChart(data) {
    if (state.charts.history) { state.charts.history.setData(data); return; }
    const marker = (label, variable) => {
      const color = () => colour(variable);
      return { label, stroke: color, width: 0, paths: () => null, points: { show: true, size: 9, fill: color, stroke: color } };
    };
    const count = (v) => compactFmt.format(v);
    // A drag across the chart zooms: the range selected becomes the range shown (and the URL's).
    const zoom = (u) => {
      const { left, width } = u.select;
      u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
      if (width < 3) return;
      const from = u.posToVal(left, 'x') * 1000;
      const to = u.posToVal(left + width, 'x') * 1000;
      // Up to now at most, so the URL holds the very range asked (a reload asks it again).
      const end = Math.min(Date.now(), Math.round(Math.max(to, from + Time.MINUTE)));
      void selectRange({ from: Math.round(Math.min(from, end - Time.MINUTE)), to: end });
    };
    state.charts.history = lineChart($('history-chart'), 'messages per bucket', count, [
      { ...accentLine, label: 'messages' },
      marker('anomalies', '--danger-line'),
      marker('backtest', '--warn-line'),
    ], data, { cursor: { drag: { x: true, y: false, setScale: false } }, hooks: { setSelect: [zoom] } });
    window.PulseAnomaly.onMarkers(state.charts.history, () => state.history);
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

  /** The range picker's presets: those within the tenant's history, the one shown pressed. */
  function rangeButtons() {
    $('range-presets').replaceChildren(...Time.presetsWithin(state.historyDays).map((p) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = p.label;
      b.dataset.range = p.id;
      b.setAttribute('aria-pressed', String(state.range.preset === p.id));
      b.addEventListener('click', () => void selectRange({ preset: p.id }));
      return b;
    }));
  }

  /** Shows `range` (a preset or from–to), keeps it in the URL, and reads the history for it. */
  async function selectRange(range, { push = true } = {}) {
    state.range = range;
    if (push) Time.write(range);
    rangeButtons();
    await history();
  }

  /** The history of the range shown: the series and, with anomaly detection, the anomalies in it. */
  async function history() {
    if (!can('analytics')) return;
    const range = state.range;
    const times = Time.resolve(range, Date.now(), state.historyDays);
    $('range-from').value = Time.localInput(times.from);
    $('range-to').value = Time.localInput(times.to);
    try {
      const a = await api(`/metrics/analytics?${Time.query(range, times)}`);
      if (state.range !== range) return; // another range was chosen meanwhile
      const hours = Math.min(720, Math.max(1, Math.ceil((Date.now() - times.from) / 3_600_000)));
      // A preset ends at now, which moves on: what is detected after the read is still in it.
      const inRange = (x) => { const t = Date.parse(x.detectedAt); return t >= times.from && (range.preset !== undefined || t <= times.to); };
      const anomalies = can('anomalies') ? (await api(`/metrics/anomalies?hours=${hours}`)).anomalies.filter(inRange) : [];
      state.history = { preset: range.preset, times: a.series.map((p) => Date.parse(p.timestamp) / 1000), values: a.series.map((p) => p.messages), anomalies };
      drawHistory();
      const shown = `${when(times.from)} – ${when(times.to)}`;
      text($('range-shown'), `${range.preset ? Time.presetOf(range.preset).label : 'Custom range'}: ${shown}${times.clamped ? ` (moved within the ${fmt(state.historyDays)} ${state.historyDays === 1 ? 'day' : 'days'} of history kept, up to now)` : ''}`);
      text($('history-note'), `${fmt(a.totals.messages)} messages at ${a.resolution}, peak ${fmt(a.totals.peakMessagesPerSecond)}/s · ${anomalies.length} ${anomalies.length === 1 ? 'anomaly' : 'anomalies'} marked · drag across the chart to zoom in`);
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
      if (!state.history || state.history.preset !== period) await selectRange({ preset: period });
      else drawHistory();
      text($('backtest-note'), `Backtest ${b.period}, ${b.sensitivity}: ${b.anomalies.length} would have opened over ${b.windows} hourly windows (marked in orange).`);
      $('backtest-list').replaceChildren(...b.anomalies.map((x) => {
        const li = document.createElement('li');
        li.className = `sev-${x.severity}`;
        li.textContent = `${when(x.detectedAt)} · ${x.type} · score ${x.score} · ${x.summary}`;
        return li;
      }));
    } catch (err) {
      text($('backtest-note'), err.body && err.body.requiredTier ? `Available on the ${err.body.requiredTier} tier.` : err.message);
    }
  }

  /** A stream's fill as a meter and words: the worst limit's share, and which limit it is. */
  function fillCell(s) {
    const td = document.createElement('td');
    const worst = s.fill.worst;
    if (worst === null) { td.textContent = 'no limit'; return td; }
    const pct = Math.round(worst * 100);
    const limit = s.fill.bytes === worst ? 'max bytes' : 'max messages';
    const meter = document.createElement('meter');
    Object.assign(meter, { min: 0, max: 1, low: 0.75, high: 0.9, optimum: 0, value: Math.min(1, worst) });
    meter.setAttribute('aria-label', `${s.name}: ${pct} % of ${limit}`);
    const words = document.createElement('span');
    words.textContent = `${pct} % of ${limit}`;
    const wrap = document.createElement('div');
    wrap.className = 'fill';
    wrap.append(meter, words);
    td.append(wrap);
    return td;
  }

  function consumerRow(c) {
    const tr = row([c.name, c.stream, fmt(c.pending), fmt(c.ackPending), fmt(c.redelivered), fmt(c.waiting), drainWords(c.drain)]);
    if (c.drain.state === 'not_draining') tr.lastChild.className = 'not-draining';
    return tr;
  }

  /**
   * The JetStream panel from `GET /metrics/jetstream` (the last poll): streams with their fill,
   * consumers worst first with their time to drain, what the poll left out; enterprise: the lag
   * chart of the worst consumers from the history.
   */
  async function jetstream() {
    if (!can('jetstream')) return;
    const js = await api('/metrics/jetstream');
    const off = js.status.state === 'off';
    const streams = off ? [] : js.streams;
    const consumers = off ? [] : js.consumers;
    $('js-streams').tBodies[0].replaceChildren(...streams.map((s) => {
      const tr = row([s.name, fmt(s.messages), byteSize(s.bytes)]);
      tr.append(fillCell(s));
      return tr;
    }));
    $('js-consumers').tBodies[0].replaceChildren(...consumers.map(consumerRow));
    const polled = js.polledAt ? `Last poll ${when(js.polledAt)}` : 'Not polled yet';
    const failed = js.status.state === 'error' ? ` · the last poll failed${js.status.detail ? `: ${js.status.detail}` : ''}` : '';
    text($('js-note'), off ? 'JetStream monitoring is off.'
      : streams.length === 0 ? `No JetStream streams in your namespace. ${polled}${failed}.`
        : `${fmt(streams.length)} ${streams.length === 1 ? 'stream' : 'streams'}, ${fmt(consumers.length)} ${consumers.length === 1 ? 'consumer' : 'consumers'} · ${polled}${failed}.`);
    const more = [
      [js.omitted.consumers, 'consumer', 'consumers'],
      [js.omitted.streams, 'stream', 'streams'],
    ].filter(([n]) => !off && n > 0).map(([n, one, many]) => `+ ${fmt(n)} more ${n === 1 ? one : many}`);
    text($('js-omitted'), more.length ? `${more.join(' · ')} (the poll keeps the worst; the rest are counted).` : '');
    if (can('jetstreamHistory')) await lagChart(consumers.slice(0, LAG_LINES));
  }

  /** Pending per minute of `worst` (the worst consumers now) over the last hour. */
  async function lagChart(worst) {
    const el = $('js-lag-chart');
    if (worst.length === 0) {
      state.charts['js-lag-chart']?.destroy();
      delete state.charts['js-lag-chart'];
      state.lagKeys = '';
      text($('js-lag-note'), 'No consumers to chart.');
      return;
    }
    const h = await api('/metrics/jetstream/history?period=1h&resolution=minute');
    const keys = worst.map((c) => `${c.stream}/${c.name}`);
    const times = h.points.map((p) => Date.parse(p.timestamp) / 1000);
    const lines = keys.map((key) => h.points.map((p) => {
      const c = p.consumers.find((x) => `${x.stream}/${x.consumer}` === key);
      return c ? c.pending : null;
    }));
    const data = [times, ...lines];
    if (state.charts['js-lag-chart'] && state.lagKeys === keys.join('\n')) state.charts['js-lag-chart'].setData(data);
    else {
      state.charts['js-lag-chart']?.destroy();
      state.lagKeys = keys.join('\n');
      const count = (v) => compactFmt.format(v);
      state.charts['js-lag-chart'] = lineChart(el, 'pending messages', count, keys.map((key, i) => (
        { label: key, stroke: LAG_COLOURS[i], width: 2, value: (u, v) => (v == null ? '–' : fmt(v)) }
      )), data);
    }
    text($('js-lag-note'), `${h.points.length} minutes · the ${keys.length} worst ${keys.length === 1 ? 'consumer' : 'consumers'} now: ${keys.join(', ')}.`);
  }

  // Usage and limits (GET /metrics/usage, every tier): today's and the month's figures, a bar per limit.
  /** Limits with no hourly series (never forecast). */
  const UNFORECAST = new Set(['payload', 'jetstreamStreams', 'jetstreamConsumers']);
  const utcDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const ratioFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const messages = (n) => `${fmt(n)} ${n === 1 ? 'message' : 'messages'}`;
  const volume = (v) => `${messages(v.messages)} · ${byteSize(v.bytes)}`;

  /** Fills `el` with a sentence of strings and dates (`{ at }`: a <time> in the reader's locale). */
  function sentence(el, parts) {
    el.replaceChildren(...parts.map((p) => {
      if (typeof p === 'string') return p;
      const t = document.createElement('time');
      t.dateTime = p.at;
      t.textContent = when(p.at);
      return t;
    }));
    return el;
  }

  /**
   * When a limit is forecast to be reached, in words (parts for `sentence`): "Reaches the limit
   * around <date> (between <earliest> and <latest>).", "Not forecast to reach the limit within 7
   * days.", or null: nothing to say (not measured, or a limit with no series).
   */
  function forecastParts(l) {
    if (l.utilisation !== null && l.utilisation >= 1) return ['At the limit now.'];
    const f = l.forecast;
    if (!f) return l.utilisation === null || UNFORECAST.has(l.limit) ? null : ['No forecast yet: it needs three complete hours of history.'];
    const horizon = f.method === 'quota' ? 'before the month ends' : `within ${fmt(Math.round(f.horizonHours / 24))} days`;
    if (f.reachedAt === null) {
      return f.earliest ? [`Not forecast to reach the limit ${horizon} (at the earliest around `, { at: f.earliest }, ').'] : [`Not forecast to reach the limit ${horizon}.`];
    }
    const parts = ['Reaches the limit around ', { at: f.reachedAt }];
    if (f.earliest && f.latest && f.earliest !== f.latest) parts.push(' (between ', { at: f.earliest }, ' and ', { at: f.latest }, ')');
    else if (f.earliest && !f.latest) parts.push(' (from ', { at: f.earliest }, `; perhaps not ${horizon})`);
    parts.push('.');
    return parts;
  }

  const element = (tag, className, content) => {
    const el = document.createElement(tag);
    if (className) el.className = className;
    if (content !== undefined) el.textContent = content;
    return el;
  };

  /**
   * One limit: its name and level, a bar of its utilisation (a progressbar with the figures in
   * words; amber at the warning level, red at critical, the level said in text too), used of max,
   * the peak today, where the value comes from, and the forecast.
   */
  function limitItem(l) {
    const info = limitOf(l.limit);
    const li = element('li', `limit level-${l.level}`);
    li.dataset.limit = l.limit;
    li.dataset.level = l.level;
    const head = element('div', 'limit-head');
    head.append(element('h4', '', info.label), element('span', 'level-word', l.level === 'ok' ? 'ok' : l.level));
    li.append(head);
    const u = l.utilisation;
    const figures = element('p', 'limit-figures');
    if (u === null) {
      figures.textContent = `Limit ${limitFigure(l.limit, l.max)} · not measured: it needs the server's figures.`;
      li.append(figures);
    } else {
      const bar = element('div', 'bar');
      bar.setAttribute('role', 'progressbar');
      bar.setAttribute('aria-label', `${info.label}: share of the limit used`);
      bar.setAttribute('aria-valuemin', '0');
      bar.setAttribute('aria-valuemax', '100');
      bar.setAttribute('aria-valuenow', String(Math.min(100, Math.floor(u * 100 + 1e-9))));
      bar.setAttribute('aria-valuetext', `${percent(u)}: ${usedOfMax(l.limit, l.used, l.max)}${l.level === 'ok' ? '' : `, ${l.level}`}`);
      const fill = element('div', 'bar-fill');
      fill.style.width = `${Math.min(100, u * 100)}%`;
      bar.append(fill);
      figures.textContent = `${usedOfMax(l.limit, l.used, l.max)} · ${percent(u)}`;
      li.append(bar, figures);
    }
    const meta = [];
    if (u !== null && (info.peak || l.peakToday !== l.used)) meta.push(`Peak today ${limitFigure(l.limit, l.peakToday)}${l.peakUtilisation === null ? '' : ` (${percent(l.peakUtilisation)})`}`);
    meta.push(l.source === 'account' ? "limit from your account's JWT" : 'limit set by your operator');
    li.append(element('p', 'muted', meta.join(' · ')));
    const forecast = forecastParts(l);
    if (forecast) li.append(sentence(element('p', 'forecast'), forecast));
    return li;
  }

  /** A row of the usage table: the figure's name (a row header), today's and the month's. */
  function figureRow(name, today, month) {
    const tr = document.createElement('tr');
    const th = element('th', '', name);
    th.scope = 'row';
    tr.append(th, element('td', '', today), element('td', '', month));
    return tr;
  }

  /** The usage table: Pulse's publish count beside the server's (when it counts them). */
  function usageFigures(u) {
    const off = u.serverFigures === 'off';
    const server = (f) => (a) => (off ? 'not counted' : f(a));
    const refused = (r) => `${fmt(r.connections)} ${r.connections === 1 ? 'connection' : 'connections'} · ${fmt(r.payloads)} ${r.payloads === 1 ? 'message' : 'messages'} too large · ${fmt(r.subscriptions)} ${r.subscriptions === 1 ? 'subscription' : 'subscriptions'}`;
    const rows = [
      ['Published (counted by Pulse)', (f) => volume(f.published)],
      ['Sent to the server (ingress)', server((f) => volume(f.ingress))],
      ['Delivered by the server (egress)', server((f) => volume(f.egress))],
      ['Fan-out (egress ÷ ingress messages)', server((f) => (f.fanout === null ? 'nothing came in' : `${ratioFmt.format(f.fanout)}×`))],
      ['Connection-minutes', server((f) => fmt(f.connectionMinutes))],
      ['JetStream storage (byte-hours)', server((f) => `${byteSize(f.jetstreamStorageByteHours)}·h`)],
      ['Refused for a limit', server((f) => refused(f.refused))],
    ];
    $('usage-figures').tBodies[0].replaceChildren(...rows.map(([name, of]) => figureRow(name, of(u.today), of(u.month))));
    const monthStart = u.monthFrom.slice(8, 10) === '01';
    text($('usage-month'), monthStart ? 'This month (UTC)' : `This month (UTC, from ${utcDay.format(new Date(u.monthFrom))}: the history kept)`);
  }

  /** What the server's figures are: as of the last poll; off or down said plainly, with what is missing. */
  function serverNote(u) {
    const note = $('usage-server');
    note.hidden = u.serverFigures === 'connected';
    if (u.serverFigures === 'off') {
      text(note, "Server figures are off: this Pulse has no NATS system account, so it cannot read what the server counts. What your connections sent and were delivered, the fan-out, connection-minutes, JetStream byte-hours and refusals are not counted, and limits only the server can measure (connections, subscriptions, data) read \u201cnot measured\u201d. Only what Pulse saw published is counted.");
    } else if (u.serverFigures === 'disconnected') {
      sentence(note, u.polledAt
        ? ["Pulse's connection to the server's system account is down: the server's figures are as of ", { at: u.polledAt }, ' and may be behind.']
        : ["Pulse's connection to the server's system account is down: the server's figures are not read yet."]);
    }
    const parts = [];
    if (u.serverFigures === 'connected') parts.push(...(u.polledAt ? ['Server figures as of ', { at: u.polledAt }, '.'] : ['Server figures: not polled yet.']));
    if (u.shape === 'account') parts.push(` Your NATS account${u.natsAccount ? ` (${u.natsAccount})` : ''}: its limits come from the account's JWT.`);
    sentence($('usage-note'), parts);
  }

  /** The usage panel from `GET /metrics/usage`, read again with the other panels. */
  async function usage() {
    try {
      const u = await api('/metrics/usage?period=24h');
      serverNote(u);
      usageFigures(u);
      const limits = u.limits.filter((l) => l.max !== null);
      $('limits').replaceChildren(...limits.map(limitItem));
      text($('limits-note'), limits.length
        ? `A bar turns amber at ${percent(u.thresholds.warning)} of its limit (warning) and red at ${percent(u.thresholds.critical)} (critical).`
        : 'No limits are set for you.');
    } catch (err) {
      text($('usage-note'), `Could not read usage: ${err.message}`);
    }
  }

  /** The anomaly list and the alert rules and deliveries, each when the tenant has its feature. */
  async function featureLists() {
    await Promise.all([
      jetstream().catch((err) => text($('js-note'), `Could not read JetStream: ${err.message}`)),
      can('anomalies') && api('/metrics/anomalies?hours=168').then(anomalyList),
      can('alerts') && Promise.all([api('/alerts/rules'), api('/alerts/deliveries?limit=20')]).then(([rules, deliveries]) => alertLists(rules, deliveries)),
    ]);
  }

  // Figures the anomaly detection speaks of: at most 4 significant digits.
  const sigFmt = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 4 });
  const sig = (n) => (typeof n === 'number' ? sigFmt.format(n) : '–');
  const STATISTICAL_KINDS = new Set(['spike', 'dip', 'level_shift', 'drift']);
  /** An expected range in words: "14–26", "up to 200" (a rule's bound on one side), or null. */
  function rangeWords(lower, upper) {
    if (typeof lower === 'number' && typeof upper === 'number') return `${sig(lower)}–${sig(upper)}`;
    if (typeof upper === 'number') return `up to ${sig(upper)}`;
    if (typeof lower === 'number') return `from ${sig(lower)}`;
    return null;
  }
  /** Why an anomaly opened: value vs the expected range, score, detector (anomalies whose details say so). */
  function anomalyWhy(d) {
    if (!d || typeof d.value !== 'number' || typeof d.detector !== 'string') return '';
    const range = rangeWords(d.lower, d.upper);
    const expected = [range && `expected range ${range}`, typeof d.expected === 'number' && `expected ${sig(d.expected)}`].filter(Boolean).join(', ');
    const detector = STATISTICAL_KINDS.has(d.detector) ? `statistical model, ${d.detector}` : `rule ${d.detector}`;
    return ` · value ${sig(d.value)}${expected ? ` vs ${expected}` : ''}${typeof d.score === 'number' ? ` · score ${sig(d.score)}` : ''} · detector: ${detector}`;
  }

  /** Each series' model: warming up (until when) or ready, and what it expects of the window being collected. */
  function modelTable(body) {
    const models = body.models ?? [];
    const next = models[0]?.windowAt;
    text($('models-note'), next
      ? `For the window from ${when(next)} (windows of ${fmt(body.windowSeconds)} s). A model reports once it has learnt its warm-up windows.`
      : 'No series yet.');
    $('models').tBodies[0].replaceChildren(...models.map((m) => {
      const state = m.state === 'ready'
        ? 'ready'
        : `warming up until ${when(m.warmUntil)} (${fmt(m.windowsToWarm)} more ${m.windowsToWarm === 1 ? 'window' : 'windows'} with data)`;
      const tr = row([m.name, state, sig(m.expected), rangeWords(m.lower, m.upper) ?? '–']);
      tr.className = m.state === 'ready' ? 'model-ready' : 'model-warming';
      return tr;
    }));
  }

  function anomalyList(body) {
    modelTable(body);
    $('anomalies').replaceChildren(...(body.anomalies.length ? body.anomalies : [{ summary: 'No anomalies in the last 7 days.' }]).map((a) => {
      const li = document.createElement('li');
      li.className = a.severity ? `sev-${a.severity}` : 'muted';
      li.textContent = a.type ? `${when(a.detectedAt)} · ${a.type} · ${a.status} · ${a.summary}${anomalyWhy(a.details)}` : a.summary;
      if (a.id) window.PulseAnomaly.link(li, a.id);
      return li;
    }));
  }

  function alertLists(rules, deliveries) {
    $('rules').replaceChildren(...(rules.rules.length ? rules.rules : [{ name: 'No custom rules: every anomaly alerts all channels.' }]).map((r) => {
      const li = document.createElement('li');
      li.textContent = r.metric ? `${r.name}: ${r.metric} ${r.operator} ${sig(r.threshold)} for ${fmt(r.forSeconds)} s (${r.severity})` : r.name;
      return li;
    }));
    $('deliveries').replaceChildren(...deliveries.deliveries.map((d) => {
      const li = document.createElement('li');
      li.textContent = `${when(d.at)} · ${d.channelType} · ${d.event} · ${d.outcome}${d.statusCode ? ` (${d.statusCode})` : ''}`;
      return li;
    }));
  }

  /** Opens the dashboard with a key; a refused key throws (the sign-in form says so). */
  async function load(key, open) {
    state.key = key;
    const [r, tenant] = await Promise.all([api('/metrics/realtime?recent=true'), api('/tenant')]);
    open();
    state.tier = tenant.tier;
    state.historyDays = tenant.historyDays;
    state.features = new Map(tenant.features.map((f) => [f.feature, f]));
    text($('who'), `${r.tenantId} · ${r.tier}`);
    lockPanels();
    window.PulseEvents.start({ key, can }); // events.js: the event subscriptions panel
    window.PulseAnomaly.start(api);
    onRealtime(r);
    prefillLive(r.recent);
    drawLive();
    void stream();
    void presence();
    // The range in the URL (a link, a reload), or 24 h; a preset beyond the history kept is not offered.
    const asked = Time.read();
    state.range = asked && (!asked.preset || Time.presetsWithin(state.historyDays).some((p) => p.id === asked.preset)) ? asked : { preset: '24h' };
    rangeButtons();
    void history();
    void featureLists();
    void usage();
    setInterval(() => void presence(), 5000);
    setInterval(() => { void featureLists(); void usage(); }, 15000);
    // The history is kept current too: a preset range (back from now) read again every minute.
    setInterval(() => { if (state.range.preset) void history(); }, 60000);
  }

  $('presence-status').addEventListener('change', () => void presence());
  $('presence-search').addEventListener('input', () => void presence());
  $('range-custom').addEventListener('submit', (e) => {
    e.preventDefault();
    const from = new Date($('range-from').value).getTime();
    const to = new Date($('range-to').value).getTime();
    if (!(to - from >= Time.MINUTE)) { text($('range-shown'), 'The range must end at least a minute after it starts.'); return; }
    void selectRange({ from, to });
  });
  $('range-zoom-out').addEventListener('click', () => {
    const now = Date.now();
    void selectRange(Time.widen(Time.resolve(state.range, now, state.historyDays), 2, now));
  });
  // Back and Forward move between the ranges shown.
  window.addEventListener('popstate', () => {
    const range = Time.read() ?? { preset: '24h' };
    const same = range.preset ? range.preset === state.range.preset : range.from === state.range.from && range.to === state.range.to;
    if (state.key && can('analytics') && !same) void selectRange(range, { push: false });
  });
  $('presence-sort').addEventListener('change', () => void presence());
  $('backtest-run').addEventListener('click', () => void backtest());
  window.PulseUi.signIn({ storageKey: 'pulse.apiKey', load, refused: 'That key was not accepted.' });
})();
