// An anomaly's story (issue #39): the view `#anomaly=<id>` opens, from the anomaly list, a marker
// on the history chart, or the link in an alert message. It reads GET /metrics/anomalies/{id}/story
// with the key the dashboard holds (the link never carries one) and draws the series with the
// model's expected band, the subjects and clients that changed, and the events of those minutes.
window.PulseAnomaly = (() => {
  'use strict';
  const { $, text, when, fmt, row, colour, onTheme } = window.PulseUi;
  const ID = /^an_[0-9a-z]{1,32}$/;
  const view = { api: null, chart: null, shown: null };
  const sig = (v) => (typeof v === 'number' ? v.toLocaleString(undefined, { maximumSignificantDigits: 4 }) : '–');
  const rate = (v) => (typeof v === 'number' ? `${sig(v)}/s` : '–');

  // The fragment holds other views' state too (timerange.js: `range`, `from`, `to`): read and
  // write only `anomaly`, keep the rest, so opening and closing a story keeps the range shown.
  const fragment = () => new URLSearchParams(location.hash.replace(/^#/, ''));

  /** The anomaly id the address names (`#anomaly=<id>`), null when none, '' when not an id. */
  function idInHash() {
    const id = fragment().get('anomaly');
    if (id === null) return null;
    return ID.test(id) ? id : '';
  }

  /** The fragment with `anomaly` set to `id` (or removed when `id` is null), the rest kept. */
  function hashWith(id) {
    const params = fragment();
    if (id === null) params.delete('anomaly');
    else params.set('anomaly', id);
    return `#${params.toString()}`;
  }

  function section() {
    let s = $('anomaly-story');
    if (s) return s;
    s = document.createElement('section');
    s.id = 'anomaly-story';
    s.className = 'panel story';
    s.hidden = true;
    s.setAttribute('aria-labelledby', 'story-title');
    // Closing removes only `anomaly` from the fragment (the range shown stays).
    s.addEventListener('click', (e) => {
      if (e.target.id !== 'story-close') return;
      e.preventDefault();
      location.hash = hashWith(null);
    });
    s.innerHTML = `
      <div class="story-head"><h2 id="story-title" tabindex="-1">Anomaly</h2><a id="story-close" href="#">Close</a></div>
      <p id="story-summary"></p>
      <dl id="story-facts" class="facts"></dl>
      <p id="story-error" class="error" role="alert"></p>
      <h3 id="story-series-title">Series and expected band</h3>
      <div id="story-chart" class="chart" role="img" aria-labelledby="story-series-title story-series-note"></div>
      <p id="story-series-note" class="muted"></p>
      <h3>Subjects whose rate changed most</h3>
      <p id="story-subjects-note" class="muted"></p>
      <div class="table-wrap" tabindex="0" role="region" aria-label="Subjects whose rate changed most"><table id="story-subjects"><thead><tr><th scope="col">Subject</th><th scope="col">Messages that day</th><th scope="col">Rate that day</th><th scope="col">Usual rate</th></tr></thead><tbody></tbody></table></div>
      <h3>Clients whose traffic or status changed</h3>
      <div class="table-wrap" tabindex="0" role="region" aria-label="Clients whose traffic or status changed"><table id="story-clients"><thead><tr><th scope="col">Client</th><th scope="col">Status now</th><th scope="col">What changed</th></tr></thead><tbody></tbody></table></div>
      <h3>Connection and JetStream events</h3>
      <div class="table-wrap" tabindex="0" role="region" aria-label="Connection and JetStream events in the same minutes"><table id="story-events"><thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Detail</th></tr></thead><tbody></tbody></table></div>`;
    const main = $('app');
    main.insertBefore(s, main.querySelector('section'));
    return s;
  }

  function hide() {
    const s = $('anomaly-story');
    if (s) s.hidden = true;
    view.shown = null;
  }

  /** Opens the view of the anomaly the address names (nothing when it names none). */
  async function fromHash() {
    const id = idInHash();
    if (id === null) return hide();
    const s = section();
    s.hidden = false;
    text($('story-error'), '');
    if (id === '') {
      text($('story-error'), 'That link does not name an anomaly.');
      return;
    }
    if (view.shown === id) return;
    view.shown = id;
    text($('story-title'), `Anomaly ${id}`);
    try {
      draw(await view.api(`/metrics/anomalies/${encodeURIComponent(id)}/story`));
    } catch (err) {
      text($('story-error'), err.status === 404 ? 'No such anomaly for this tenant (it may have expired after 30 days).' : err.status === 403 ? err.message : `Could not load the anomaly: ${err.message}`);
    }
    s.scrollIntoView();
    $('story-title').focus({ preventScroll: true });
  }

  function draw(story) {
    const a = story.anomaly;
    text($('story-title'), `Anomaly: ${a.type.replaceAll('_', ' ')} (${a.severity}, ${a.status})`);
    text($('story-summary'), a.summary);
    const e = story.expected;
    const facts = [
      ['Detector', story.detector],
      ['Score', story.score === null ? '–' : String(story.score)],
      ['Window', `${when(story.window.from)} – ${when(story.window.to)}`],
      ['Value', sig(e.value)],
      ['Expected range', e.lower === null && e.upper === null ? '–' : `${sig(e.lower)} – ${sig(e.upper)}`],
    ];
    $('story-facts').replaceChildren(...facts.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      return [dt, dd];
    }));
    chart(story);
    const sub = story.subjects;
    text($('story-subjects-note'), `On ${sub.day.slice(0, 4)}-${sub.day.slice(4, 6)}-${sub.day.slice(6)} (UTC), against ${sub.earlierDays ? `the ${sub.earlierDays} earlier day${sub.earlierDays === 1 ? '' : 's'} held` : 'no earlier day yet: ranked by rate'}.`);
    $('story-subjects').tBodies[0].replaceChildren(...(sub.subjects.length ? sub.subjects.map((x) => row([x.subject, fmt(x.messages), rate(x.rate), rate(x.usualRate)])) : [row(['No subject counted that day.', '', '', ''])]));
    $('story-clients').tBodies[0].replaceChildren(...(story.clients.length ? story.clients.map((c) => row([c.clientId, c.status ?? '–', c.changes.join('; ')])) : [row(['No client changed.', '', ''])]));
    const events = [
      ...story.connections.map((c) => [c.at, `NATS ${c.event}`, [c.clientId ?? c.name ?? c.key, c.verified ? '' : '(unverified)', c.reason ?? ''].filter(Boolean).join(' ')]),
      ...story.jetstream.map((j) => [j.windowAt, 'JetStream advisories', [...Object.entries(j.advisories).map(([k, n]) => `${k} ${n}`), ...j.maxDeliveries.map((m) => `${m.stream}/${m.consumer} max deliveries ${m.count}`)].join(', ')]),
    ].sort((x, y) => Date.parse(x[0]) - Date.parse(y[0]));
    $('story-events').tBodies[0].replaceChildren(...(events.length ? events.map(([at, what, detail]) => row([when(at), what, detail])) : [row(['None in these minutes.', '', ''])]));
  }

  /** The series, the model's band (filled between lower and upper), its expectation, and the anomaly's window marked. */
  function chart(story) {
    const pts = story.series.points;
    const times = pts.map((p) => Date.parse(p.at) / 1000);
    const at = Date.parse(story.window.from) / 1000;
    const data = [
      times,
      pts.map((p) => p.value),
      pts.map((p) => p.upper),
      pts.map((p) => p.lower),
      pts.map((p) => p.expected),
      pts.map((p, i) => (times[i] === at ? p.value : null)),
    ];
    const banded = pts.filter((p) => p.upper !== null).length;
    text($('story-series-note'), `${story.series.metric.replace('_', ' ')} per ${story.series.windowSeconds} s window, ${when(story.series.from)} – ${when(story.series.to)}; the shaded band is the model's normal range (${banded} of ${pts.length} windows${banded ? '' : ': the model is not warm yet'}); the red point is the anomaly's window.`);
    const el = $('story-chart');
    if (view.chart) view.chart.destroy();
    const dashed = { stroke: colour('--ok'), width: 1, dash: [4, 4], points: { show: false } };
    view.chart = new uPlot({
      width: Math.max(280, el.clientWidth || 600),
      height: 240,
      scales: { y: { range: (u, min, max) => [0, max > 0 ? max * 1.15 : 1] } },
      series: [
        { label: 'time', value: (u, v) => (v == null ? '–' : when(new Date(v * 1000).toISOString())) },
        { label: story.series.metric.replace('_', ' '), stroke: colour('--accent'), width: 2, value: (u, v) => sig(v) },
        { label: 'upper', ...dashed, value: (u, v) => sig(v) },
        { label: 'lower', ...dashed, value: (u, v) => sig(v) },
        { label: 'expected', stroke: colour('--ok'), width: 1.5, points: { show: false }, value: (u, v) => sig(v) },
        { label: 'anomaly', stroke: colour('--danger-line'), width: 0, paths: () => null, points: { show: true, size: 11, fill: colour('--danger-line'), stroke: colour('--danger-line') } },
      ],
      bands: [{ series: [2, 3], fill: colour('--ok-fill') }],
      axes: [{ label: 'time (local)', space: 110 }, { label: story.series.metric.replace('_', ' '), size: 64, values: (u, ticks) => ticks.map(sig) }],
    }, data, el);
  }

  /** Makes an anomaly list item open the anomaly's view. */
  function link(li, id) {
    window.PulseUi.wrapInLink(li, hashWith(id));
  }

  /**
   * A click on the history chart opens the anomaly marked on the bucket under the cursor (as the
   * dashboard marks them: detected after the bucket's start, by its end). `shown()` is what the
   * chart draws: `{ times, anomalies }`. A press and release in one place (uPlot's drag-to-zoom
   * takes the pointer between them, so no `click` reaches the plot).
   */
  function onMarkers(chart, shown) {
    let down = null;
    chart.over.addEventListener('mousedown', (e) => { down = e.clientX; });
    chart.over.addEventListener('mouseup', (e) => {
      const still = down !== null && Math.abs(e.clientX - down) < 4;
      down = null;
      if (!still) return;
      const i = chart.posToIdx(e.clientX - chart.over.getBoundingClientRect().left);
      const h = shown();
      if (i == null || !h) return;
      const step = h.times.length > 1 ? h.times[1] - h.times[0] : 60;
      const a = h.anomalies.find((x) => {
        const t = Date.parse(x.detectedAt) / 1000;
        return t > h.times[i] && t <= h.times[i] + step;
      });
      if (a) location.hash = hashWith(a.id);
    });
  }

  /** Called once the dashboard is signed in: `api` reads with its key. */
  function start(api) {
    view.api = api;
    window.addEventListener('hashchange', () => void fromHash());
    // Drawn again in the colours of a theme the system switches to.
    onTheme(() => { if (view.chart) void fromHash(); });
    window.addEventListener('resize', () => {
      const el = $('story-chart');
      if (view.chart && el && el.clientWidth > 0) view.chart.setSize({ width: el.clientWidth, height: 240 });
    });
    void fromHash();
  }

  return { start, link, onMarkers, chart: () => view.chart };
})();
