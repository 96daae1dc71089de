// Pulse operator console: plain browser JavaScript over GET /api/v1/admin/overview (admin key).
(() => {
  'use strict';
  const PAGE = 50;
  const { $, text, when, fmt, row, drainWords, limitOf, usedOfMax, percent } = window.PulseUi;
  const state = { key: null, cursors: [undefined], page: 0, rows: [], sort: { field: 'id', dir: 1 } };
  const api = (path) => window.PulseUi.api(state.key, path);

  function drawTenants() {
    const { field, dir } = state.sort;
    const rows = [...state.rows].sort((a, b) => {
      const x = a[field] ?? '';
      const y = b[field] ?? '';
      return (x < y ? -1 : x > y ? 1 : 0) * dir;
    });
    $('tenants').tBodies[0].replaceChildren(...rows.map((t) => withView(row([
      t.id, t.tier, t.status, fmt(t.messagesPerSecond), fmt(t.messagesToday),
      `${fmt(t.clientsOnline)} / ${fmt(t.clientsTotal)}`, fmt(t.openAnomalies), when(t.lastActivityAt),
    ]), t.id, '', 'Open read-only')));
    for (const th of document.querySelectorAll('#tenants th')) {
      const b = th.querySelector('button');
      if (!b) continue;
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
    $('instances').tBodies[0].replaceChildren(...p.instances.map((i) => row([i.id, when(i.startedAt), when(i.reportedAt), i.nats, fmt(i.backlogMessages), when(i.lastFlushAt), `${fmt(i.shard)} of ${fmt(i.shards)}`, i.tenants === null ? '—' : fmt(i.tenants)])));
    state.rows = o.tenants;
    state.cursors[state.page + 1] = o.nextCursor ?? undefined;
    $('next').disabled = !o.nextCursor;
    $('prev').disabled = state.page === 0;
    text($('page-note'), `page ${state.page + 1} · ${o.tenants.length} tenants`);
    drawTenants();
    $('top').tBodies[0].replaceChildren(...(o.topTenants.length ? o.topTenants.map((t) => row([t.id, fmt(t.messagesToday)])) : [row(['No messages today yet.', ''])]));
    $('incidents').replaceChildren(...(o.incidents.length ? o.incidents : [{ summary: 'No incidents recorded.' }]).map((i) => {
      const li = document.createElement('li');
      li.textContent = i.at ? `${when(i.at)} · ${incidentName(i.incident)} ${i.event} · instance ${i.instance} · ${i.summary}` : i.summary;
      li.dataset.incident = i.incident ?? '';
      if (i.event === 'opened') li.className = incidentWarns(i) ? 'sev-warning' : 'sev-critical';
      return li;
    }));
    jetstream(o.jetstream);
    void closest().catch((err) => text($('closest-note'), `Could not read the tenants' limits: ${err.message}`));
    text($('who'), `admin · ${when(o.generatedAt)}`);
  }

  /**
   * Opens the tenant's dashboard read-only in this tab (the admin key stays in this tab's session):
   * the server writes the audit entry and opens the view; `panel` is where to land (#jetstream, #usage).
   */
  async function openView(tenantId, panel) {
    try {
      await window.PulseUi.api(state.key, `/admin/tenants/${encodeURIComponent(tenantId)}/view`, {});
      location.href = `./?view=${encodeURIComponent(tenantId)}${panel}`;
    } catch (err) {
      text($('view-error'), `Could not open ${tenantId}: ${err.message}`);
    }
  }

  /** A row with a last cell holding the button that opens the tenant's view (at `panel`). */
  function withView(tr, tenantId, panel, words) {
    const td = document.createElement('td');
    const b = document.createElement('button');
    b.textContent = words;
    b.setAttribute('aria-label', `${words}: ${tenantId}`);
    b.addEventListener('click', () => void openView(tenantId, panel));
    td.append(b);
    tr.append(td);
    return tr;
  }

  /** An incident's kind in words: a tenant's limit crossing (`tenant_limit`) is "limit crossing". */
  const incidentName = (incident) => (incident === 'tenant_limit' ? 'limit crossing' : incident.replaceAll('_', ' '));
  /** A limit crossing at the warning level (its summary names the threshold) is amber, not red. */
  const incidentWarns = (i) => i.incident === 'tenant_limit' && i.summary.includes('warning threshold');

  /** The tenants closest to a limit (`GET /admin/usage`): each one's highest utilisation, its level and forecast date. */
  async function closest() {
    const r = await api('/admin/usage?limit=20');
    const rows = r.tenants.map((t) => {
      const tr = withView(row([t.tenantId, limitOf(t.limit).label, `${percent(t.utilisation)} (${usedOfMax(t.limit, t.used, t.max)})`, t.level, t.reachedAt ? when(t.reachedAt) : 'not forecast']), t.tenantId, '#usage', 'Open limits');
      tr.dataset.level = t.level;
      if (t.level !== 'ok') tr.cells[3].className = `sev-${t.level}`;
      return tr;
    });
    $('closest-limits').tBodies[0].replaceChildren(...(rows.length ? rows : [row(['No tenant has a measured limit.', '', '', '', '', ''])]));
    text($('closest-note'), `${fmt(r.total)} ${r.total === 1 ? 'tenant has' : 'tenants have'} a measured limit${r.total > r.tenants.length ? ` (the ${fmt(r.tenants.length)} closest listed)` : ''} · warning at ${percent(r.thresholds.warning)}, critical at ${percent(r.thresholds.critical)} · ${when(r.generatedAt)}.`);
  }

  /** The poller's status and the tenants whose worst consumer lags most. */
  function jetstream(js) {
    const s = js.status;
    text($('jetstream'), s.state);
    text($('js-status'), s.state === 'off'
      ? 'JetStream monitoring is off.'
      : `Last poll ${when(s.lastPollAt)}${s.detail ? ` (${s.detail})` : ''} · ${fmt(s.unowned)} ${s.unowned === 1 ? 'stream' : 'streams'} of no tenant (the operator's).${advisoryWords(js.advisories)}`);
    const rows = js.worstConsumers.map((w) => withView(row([w.tenantId, `${w.stream} / ${w.consumer}`, fmt(w.pending), fmt(w.ackPending), drainWords(w.drain), when(w.polledAt)]), w.tenantId, '#jetstream', 'Open consumer'));
    $('js-worst').tBodies[0].replaceChildren(...(rows.length ? rows : [row(['No tenant consumers seen.', '', '', '', '', '', ''])]));
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
