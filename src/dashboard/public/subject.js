// A subject's page (`subject.html?subject=<subject>`): GET /api/v1/metrics/subjects/{subject}, read again every 15 s.
(() => {
  'use strict';
  const { $, text, when, fmt, byteSize, percent, row, anomalyItems } = window.PulseUi;
  const subject = (new URLSearchParams(location.search).get('subject') ?? '').slice(0, 256);
  const rateFmt = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 3 });

  function draw(p) {
    text($('who'), p.tenantId);
    text($('subject-note'), `History from ${when(p.historyFrom)} · read ${when(p.generatedAt)}`);
    text($('s-messages'), fmt(p.messages));
    text($('s-share'), p.share === null ? '–' : percent(p.share));
    const today = p.days[p.days.length - 1];
    text($('s-rate'), `${rateFmt.format(today.perSecond)} / s`);
    $('days').tBodies[0].replaceChildren(...[...p.days].reverse().map((d) => row([d.day, fmt(d.messages), byteSize(d.bytes), rateFmt.format(d.perSecond), d.share === null ? '–' : percent(d.share)])));
    $('subject-anomalies').replaceChildren(...anomalyItems(p.anomalies, 'No anomaly names this subject.'));
  }

  window.PulseUi.detailPage({
    title: { id: 'subject-title', text: `Subject ${subject}` },
    path: `/metrics/subjects/${encodeURIComponent(subject)}`,
    draw,
    note: 'subject-note',
    missing: `No message on ${subject} in the history kept.`,
    pages: 'Subject pages',
    everyMs: 15000,
  });
})();
