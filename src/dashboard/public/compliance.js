// Pulse compliance report: plain browser JavaScript over GET /api/v1/admin/compliance/report (admin key).
(() => {
  'use strict';
  const { $, text, when, fmt, row } = window.PulseUi;
  const yes = (v) => (v === null || v === undefined ? 'unknown' : v ? 'yes' : 'no');

  async function load(key, open) {
    const r = await window.PulseUi.api(key, '/admin/compliance/report');
    const d = r.deployment;
    $('deployment').tBodies[0].replaceChildren(...[
      ['TLS to NATS', yes(d.natsTls)],
      ['NATS authentication', yes(d.natsAuthentication)],
      ['TLS to Redis', yes(d.redisTls)],
      ['Redis persistence (appendonly)', yes(d.redisPersistence.appendOnly)],
      ['Admin key configured', yes(d.adminKeyConfigured)],
      ['Rate limit per key / per address (per minute)', `${fmt(d.rateLimits.perKeyPerMinute)} / ${fmt(d.rateLimits.perAddressPerMinute)}`],
      ['Audit trail kept', `${fmt(d.auditRetentionDays)} days`],
      ['Cold store', yes(d.coldStore)],
    ].map(row));
    const a = r.failedAuthentication30d;
    text($('auth-total'), fmt(a.total));
    const reasons = Object.entries(a.byReason);
    $('auth').tBodies[0].replaceChildren(...(reasons.length ? reasons.map(([k, n]) => row([k.replaceAll('_', ' '), fmt(n)])) : [row(['None', '0'])]));
    $('tenants').tBodies[0].replaceChildren(...r.tenants.map((t) => {
      const used = t.keys.map((k) => k.lastUsedAt).filter(Boolean).sort().at(-1) ?? null;
      const hosts = [...new Set(t.channels.map((c) => c.host).filter(Boolean))].join(', ') || '–';
      const tr = row([
        t.id, t.tier, `${fmt(t.retentionDays)} d`, t.oldestData ? when(t.oldestData) : '–', yes(t.retentionEnforced),
        `${fmt(t.keys.length)} (${fmt(t.keys.filter((k) => k.unused90d).length)})`, used ? when(used) : 'never', fmt(t.failedAuthentication30d.total), hosts,
      ]);
      if (!t.retentionEnforced || t.keys.some((k) => k.unused90d) || t.failedAuthentication30d.total > 0) tr.className = 'sev-warning';
      return tr;
    }));
    $('erasures').tBodies[0].replaceChildren(...(r.erasures.length
      ? r.erasures.map((e) => row([e.tenantId, when(e.erasedAt), fmt(e.removed.redisKeys), fmt(e.removed.coldItems), fmt(e.remaining)]))
      : [row(['No erasures.', '', '', '', ''])]));
    text($('who'), `admin · ${when(r.generatedAt)}`);
    $('print').hidden = false;
    open();
  }

  $('print').addEventListener('click', () => window.print());
  window.PulseUi.signIn({ storageKey: 'pulse.adminKey', load, refused: 'That key was not accepted (the admin key is needed).' });
})();
