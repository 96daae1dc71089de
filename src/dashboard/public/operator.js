// Pulse operator console: plain browser JavaScript over GET /api/v1/admin/overview (admin key).
(() => {
  'use strict';
  const PAGE = 50;
  const { $, text, when, fmt, row, drainWords } = window.PulseUi;
  const state = { key: null, cursors: [undefined], page: 0, rows: [], sort: { field: 'id', dir: 1 } };
  const api = (path) => window.PulseUi.api(state.key, path);

  function drawTenants() {
    const { field, dir } = state.sort;
    const rows = [...state.rows].sort((a, b) => {
      const x = a[field] ?? '';
      const y = b[field] ?? '';
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    $('tenants').tBodies[0].replaceChildren(...rows.map((t) => row([
      t.id, t.tier, t.status, fmt(t.messagesPerSecond), fmt(t.messagesToday),
      `${fmt(t.clientsOnline)} / ${fmt(t.clientsTotal)}`, fmt(t.openAnomalies), when(t.lastActivityAt),
    ])));
    for (const th of document.querySelectorAll('#tenants th')) {
      const b = th.querySelector('button');
      if (b.dataset.sort === field) th.setAttribute('aria-sort', dir > 0 ? 'ascending' : 'descending');
      else th.removeAttribute('aria-sort');
    }
  }

  async function refresh() {
    const cursor = state.cursors[state.page];
    const o = await api(`/admin/overview?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    const p = o.pulse;
    text($('nats'), p.nats);
    text($('redis'), p.redisPingMs === null ? p.redis : `${p.redis} (${p.redisPingMs} ms)`);
    text($('backlog'), fmt(p.backlogMessages));
    text($('flush-lag'), p.flushLagMs === null ? '–' : `${fmt(Math.round(p.flushLagMs))} ms`);
    text($('job-failures'), fmt(p.jobFailuresLastHour));
    text($('instance-count'), fmt(p.instances.length));
    $('instances').tBodies[0].replaceChildren(...p.instances.map((i) => row([i.id, when(i.startedAt), when(i.reportedAt), i.nats, fmt(i.backlogMessages), when(i.lastFlushAt)])));
    state.rows = o.tenants;
    state.cursors[state.page + 1] = o.nextCursor ?? undefined;
    $('next').disabled = !o.nextCursor;
    $('prev').disabled = state.page === 0;
    text($('page-note'), `page ${state.page + 1} · ${o.tenants.length} tenants`);
    drawTenants();
    $('top').tBodies[0].replaceChildren(...(o.topTenants.length ? o.topTenants.map((t) => row([t.id, fmt(t.messagesToday)])) : [row(['No messages today yet.', ''])]));
    $('incidents').replaceChildren(...(o.incidents.length ? o.incidents : [{ summary: 'No incidents recorded.' }]).map((i) => {
      const li = document.createElement('li');
      li.textContent = i.at ? `${when(i.at)} · ${i.incident.replaceAll('_', ' ')} ${i.event} · instance ${i.instance} · ${i.summary}` : i.summary;
      if (i.event === 'opened') li.className = 'sev-critical';
      return li;
    }));
    jetstream(o.jetstream);
    text($('who'), `admin · ${when(o.generatedAt)}`);
  }

  /** The poller's status and the tenants whose worst consumer lags most. */
  function jetstream(js) {
    const s = js.status;
    text($('jetstream'), s.state);
    text($('js-status'), s.state === 'off'
      ? 'JetStream monitoring is off.'
      : `Last poll ${when(s.lastPollAt)}${s.detail ? ` (${s.detail})` : ''} · ${fmt(s.unowned)} ${s.unowned === 1 ? 'stream' : 'streams'} of no tenant (the operator's).${advisoryWords(js.advisories)}`);
    const rows = js.worstConsumers.map((w) => row([w.tenantId, `${w.stream} / ${w.consumer}`, fmt(w.pending), fmt(w.ackPending), drainWords(w.drain), when(w.polledAt)]));
    $('js-worst').tBodies[0].replaceChildren(...(rows.length ? rows : [row(['No tenant consumers seen.', '', '', '', '', ''])]));
  }

  /** This instance's advisory counts, after the poller's status. */
  function advisoryWords(a) {
    if (!a || a.state === 'off') return '';
    return ` Advisories on this instance: ${fmt(a.counted)} counted, ${fmt(a.unmatched)} of no tenant, ${fmt(a.rejected)} rejected, ${fmt(a.dropped)} dropped; last ${a.lastAt ? when(a.lastAt) : 'none yet'}.`;
  }

  async function load(key, open) {
    state.key = key;
    await refresh();
    open();
    setInterval(() => void refresh().catch(() => undefined), 5000);
  }

  for (const b of document.querySelectorAll('[data-sort]')) {
    b.addEventListener('click', () => {
      const field = b.dataset.sort;
      state.sort = { field, dir: state.sort.field === field ? -state.sort.dir : field === 'id' || field === 'tier' || field === 'status' ? 1 : -1 };
      drawTenants();
    });
  }
  $('next').addEventListener('click', () => { state.page++; void refresh(); });
  $('prev').addEventListener('click', () => { state.page = Math.max(0, state.page - 1); void refresh(); });
  window.PulseUi.signIn({ storageKey: 'pulse.adminKey', load, refused: 'That key was not accepted (the admin key is needed).' });
})();
