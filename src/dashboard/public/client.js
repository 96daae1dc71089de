// A client's page (`client.html?id=<clientId>`): GET /api/v1/metrics/clients/{id}, read again every 5 s.
(() => {
  'use strict';
  const { $, text, when, fmt, row, anomalyItems } = window.PulseUi;
  const id = new URLSearchParams(location.search).get('id') ?? '';

  /** A duration in words: "42 s", "3 min 5 s", "2 h 4 min". */
  function duration(seconds) {
    if (seconds === null) return 'still offline';
    const s = Math.round(seconds);
    if (s < 60) return `${s} s`;
    if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
    return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  }

  const EVENT_WORDS = new Map([
    ['online', (e) => `came online (${e.status})`],
    ['status_changed', (e) => `status ${e.previousStatus ?? '?'} → ${e.status}`],
    ['offline', (e) => `went offline (heartbeats stopped; was ${e.previousStatus ?? 'unknown'})`],
    ['connected', (e) => `connected to ${e.server ?? 'the server'}${e.rttMs != null ? `, RTT ${fmt(e.rttMs)} ms` : ''}`],
    ['disconnected', (e) => `disconnected from ${e.server ?? 'the server'}${e.reason ? `: ${e.reason}` : ''}`],
  ]);

  function facts(list) {
    $('connection').replaceChildren(...list.flatMap(([name, value]) => {
      const dt = document.createElement('dt');
      dt.textContent = name;
      const dd = document.createElement('dd');
      dd.textContent = value;
      return [dt, dd];
    }));
  }

  function draw(p) {
    const c = p.client;
    text($('client-title'), `Client ${c.clientId}`);
    text($('who'), `${p.tenantId} · ${p.tier}`);
    text($('client-note'), `History from ${when(p.historyFrom)} · read ${when(p.generatedAt)}`);
    text($('c-status'), c.status);
    $('c-status').className = `big status-${c.status}`;
    text($('c-seen'), when(c.lastSeen));
    text($('c-sent'), fmt(c.metrics.messagesSent));
    text($('c-received'), fmt(c.metrics.messagesReceived));
    text($('c-errors'), fmt(c.metrics.errors));
    const k = c.connection;
    facts(k.state === 'unknown'
      ? [['State', 'unknown (the server reports connections only with a system account)']]
      : [
        ['State', `${k.state}${k.silent ? ' — connected while its heartbeats stopped' : ''}`],
        ['Server', k.server ?? '–'],
        ['RTT', k.rttMs === null ? '–' : `${fmt(k.rttMs)} ms`],
        ['Connected since', when(k.connectedSince)],
        ['Library', [k.lang, k.version].filter(Boolean).join(' ') || '–'],
        ...(k.state === 'disconnected' ? [['Disconnected', when(k.disconnectedAt)], ['Reason', k.reason ?? '–']] : []),
      ]);
    $('closed').tBodies[0].replaceChildren(...(p.closedConnections.length
      ? p.closedConnections.map((x) => row([x.server, when(x.connectedAt), when(x.disconnectedAt), x.reason ?? '–', x.rttMs === null ? '–' : fmt(x.rttMs)]))
      : [row(['No closed connection recorded.', '', '', '', ''])]));
    $('offline').tBodies[0].replaceChildren(...(p.offlinePeriods.length
      ? p.offlinePeriods.map((o) => {
        const tr = row([when(o.from), o.to ? when(o.to) : 'now', duration(o.seconds)]);
        tr.className = 'offline-period';
        return tr;
      })
      : [row(['No offline period in the history kept.', '', ''])]));
    text($('timeline-note'), `${fmt(p.timeline.length)} ${p.timeline.length === 1 ? 'event' : 'events'}, newest first (the latest 200 are kept).`);
    $('timeline').replaceChildren(...p.timeline.map((e) => {
      const li = document.createElement('li');
      li.className = `tl-${e.type}`;
      li.textContent = `${when(e.at)} · ${(EVENT_WORDS.get(e.type) ?? (() => e.type))(e)}`;
      return li;
    }));
    $('client-anomalies').replaceChildren(...anomalyItems(p.anomalies, 'No anomaly names this client.'));
  }

  window.PulseUi.detailPage({
    title: { id: 'client-title', text: `Client ${id}` },
    path: `/metrics/clients/${encodeURIComponent(id)}`,
    draw,
    note: 'client-note',
    missing: `No client ${id} in this tenant.`,
    pages: 'Client pages',
    everyMs: 5000,
  });
})();
