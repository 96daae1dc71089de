// Pulse dashboard: the event subscriptions panel (professional and up) over
// /api/v1/events/subscriptions: list, create, pause/resume, send a test, rotate the secret (shown
// once), delete, the delivery log of a chosen subscription and a replay from a time. The dashboard
// calls `PulseEvents.start` once signed in; errors are said in the panel, data only as text.
window.PulseEvents = (() => {
  'use strict';
  const { $, text, when, fmt, row, element } = window.PulseUi;
  const PATH = '/events/subscriptions';
  /** Deliveries shown in the log (the API keeps the last 100). */
  const LOG_ROWS = 20;
  const state = { key: null, subs: [], chosen: null, armed: null, timer: null };
  const api = (path, payload, method) => window.PulseUi.api(state.key, path, payload, method);

  /** An API failure in the panel (its message names the field, or the tier); a success clears it. */
  function failed(err) {
    text($('ev-note'), '');
    text($('ev-error'), err.status ? `${err.message} (HTTP ${err.status})` : `Could not reach Pulse: ${err.message}`);
  }
  function said(message) {
    text($('ev-error'), '');
    text($('ev-note'), message);
  }

  /** The signing secret, shown once: until hidden or replaced (it is never read again). */
  function showSecret(sub) {
    text($('ev-secret-for'), `Signing secret for ${sub.url}: copy it now, it is not shown again.`);
    text($('ev-secret-value'), sub.signingSecret);
    $('ev-secret').hidden = false;
  }

  /** A subscription's state in words (beside its state word): paused with why and since when, failing with the last error. */
  function stateWords(s) {
    if (s.paused) return `since ${when(s.paused.at)}: ${s.paused.lastError ?? `${fmt(s.paused.failures)} failures in a row`}`;
    if (s.status === 'failing') return `retrying: ${fmt(s.failures)} ${s.failures === 1 ? 'failure' : 'failures'} in a row${s.lastError ? `, last: ${s.lastError}` : ''}`;
    return 'events are sent as they happen';
  }

  /** One action button of a card, described by the card's endpoint. */
  function action(name, label, described, run) {
    const b = element('button', '', label);
    b.type = 'button';
    b.dataset.action = name;
    // Only the log reads: the rest write, and the operator's read-only view does not offer them.
    if (name !== 'log') b.dataset.mutates = '';
    b.setAttribute('aria-describedby', described);
    b.addEventListener('click', () => void run(b));
    return b;
  }

  /** A card per subscription: endpoint, types, filter, state and figures, and its actions. */
  function card(s) {
    const li = element('li', `sub sub-${s.status}`);
    li.dataset.id = s.id;
    const heading = element('h4', 'sub-url', s.url);
    heading.id = `ev-sub-${s.id}`;
    const stateLine = element('p', 'sub-state');
    stateLine.append(element('span', 'level-word', s.status), ` ${stateWords(s)}`);
    li.append(
      heading,
      element('p', '', `Events: ${s.types.join(', ')}`),
      element('p', '', `Clients: ${s.clientFilter ? `ids matching ${s.clientFilter}` : 'all'}`),
      stateLine,
      element('p', 'muted', `${fmt(s.delivered)} delivered · ${fmt(s.dropped)} dropped (backlog or buffer full) · since ${when(s.createdAt)}`),
    );
    const buttons = element('div', 'buttons');
    buttons.append(
      action('log', 'Delivery log', heading.id, () => choose(s.id)),
      action('test', 'Send test', heading.id, () => sendTest(s)),
      action('pause', s.paused ? 'Resume' : 'Pause', heading.id, () => setPaused(s, !s.paused)),
      action('rotate', 'Rotate secret', heading.id, () => rotate(s)),
      action('delete', deleteLabel(s.id), heading.id, (b) => remove(s, b)),
    );
    li.append(buttons);
    return li;
  }

  async function list() {
    const { subscriptions } = await api(PATH);
    state.subs = subscriptions;
    // Drawn again, the list keeps a keyboard user's place: the same button of the same card.
    const focused = document.activeElement?.closest('#ev-subs button');
    const place = focused && [focused.closest('li').dataset.id, focused.dataset.action];
    $('ev-subs').replaceChildren(...subscriptions.map(card));
    if (place) {
      const again = [...$('ev-subs').children].find((li) => li.dataset.id === place[0]);
      again?.querySelector(`button[data-action="${place[1]}"]`).focus();
    }
    text($('ev-list-note'), subscriptions.length
      ? `${fmt(subscriptions.length)} ${subscriptions.length === 1 ? 'subscription' : 'subscriptions'}.`
      : 'No subscriptions yet: add one below.');
    if (state.chosen && !subscriptions.some((s) => s.id === state.chosen)) choose(null);
  }

  /** Reads the list (and the chosen log) again; a failure is said in the panel. */
  const refresh = () => Promise.all([list(), state.chosen && deliveries()]).catch(failed);

  async function act(run, done) {
    try {
      const answer = await run();
      said(done(answer));
      await refresh();
    } catch (err) {
      failed(err);
    }
  }

  const sendTest = (s) => act(() => api(`${PATH}/${s.id}/test`, {}), (t) => (t.delivered
    ? `Test sent to ${s.url}: HTTP ${t.statusCode} in ${fmt(t.latencyMs)} ms.`
    : `Test to ${s.url} failed: ${t.statusCode ? `HTTP ${t.statusCode}` : t.error ?? 'no answer'} after ${fmt(t.latencyMs)} ms.`));

  const setPaused = (s, paused) => act(() => api(`${PATH}/${s.id}`, { paused }, 'PATCH'),
    () => (paused ? `Paused ${s.url}: nothing is sent until it is resumed.` : `Resumed ${s.url} from where it stopped.`));

  const rotate = (s) => act(async () => {
    const r = await api(`${PATH}/${s.id}/rotate-secret`, {});
    showSecret(r);
    return r;
  }, () => `New signing secret for ${s.url}: requests are signed with it from now on.`);

  /** Delete asks once more on the button itself: a second press within 5 s deletes. */
  const deleteLabel = (id) => (state.armed === id ? 'Press again to delete' : 'Delete');
  async function remove(s, button) {
    if (state.armed !== s.id) {
      state.armed = s.id;
      text(button, deleteLabel(s.id));
      setTimeout(() => {
        if (state.armed !== s.id) return;
        state.armed = null;
        // The list may have been drawn again since: the card's button as it is now.
        const li = [...$('ev-subs').children].find((x) => x.dataset.id === s.id);
        const now = li?.querySelector('button[data-action="delete"]');
        if (now) text(now, deleteLabel(s.id));
      }, 5000);
      return;
    }
    state.armed = null;
    await act(() => api(`${PATH}/${s.id}`, undefined, 'DELETE'), () => `Deleted the subscription to ${s.url}.`);
    // Its card is gone: a keyboard user goes on from the list's note, not from the page's top.
    if (!document.activeElement || document.activeElement === document.body) $('ev-list-note').focus();
  }

  /** The delivery log's subscription (null: none). */
  function choose(id) {
    state.chosen = id;
    const s = state.subs.find((x) => x.id === id);
    $('ev-log-wrap').hidden = !s;
    if (!s) {
      text($('ev-log-note'), 'Choose a subscription\'s "Delivery log" to see its last deliveries.');
      $('ev-log').tBodies[0].replaceChildren();
      return Promise.resolve();
    }
    text($('ev-log-note'), `Last deliveries to ${s.url}, newest first.`);
    return deliveries().catch(failed);
  }

  const OUTCOMES = new Map([
    ['delivered', 'delivered'],
    ['failed', 'failed (retried)'],
    ['paused', 'failed: paused'],
    ['test', 'test'],
  ]);

  async function deliveries() {
    const id = state.chosen;
    const { deliveries: log } = await api(`${PATH}/${id}/deliveries?limit=${LOG_ROWS}`);
    if (state.chosen !== id) return;
    const rows = log.map((d) => {
      const tr = row([when(d.at), OUTCOMES.get(d.outcome) ?? d.outcome, d.statusCode === null ? 'none' : String(d.statusCode), `${fmt(d.latencyMs)} ms`, fmt(d.events), d.error ?? '']);
      tr.className = d.statusCode !== null && d.statusCode >= 200 && d.statusCode < 300 ? 'ok' : 'not-ok';
      return tr;
    });
    $('ev-log').tBodies[0].replaceChildren(...rows);
    if (!rows.length) $('ev-log').tBodies[0].append(row(['No deliveries yet.', '', '', '', '', '']));
  }

  async function replay(e) {
    e.preventDefault();
    const s = state.subs.find((x) => x.id === state.chosen);
    const value = $('ev-replay-from').value;
    if (!s) return;
    if (!value) { text($('ev-error'), 'Choose the time to send again from.'); return; }
    // The input's local time, sent as UTC.
    await act(() => api(`${PATH}/${s.id}/replay`, { from: new Date(value).toISOString() }),
      (r) => `Replay to ${s.url} started: the events since ${when(r.from)} are sent again, in order.`);
  }

  async function create(e) {
    e.preventDefault();
    const types = [...document.querySelectorAll('#ev-types input:checked')].map((c) => c.value);
    const body = { url: $('ev-url').value.trim(), types };
    const filter = $('ev-filter').value.trim();
    if (filter) body.clientFilter = filter;
    await act(async () => {
      const created = await api(PATH, body);
      showSecret(created);
      $('ev-create').reset();
      return created;
    }, (c) => `Subscribed ${c.url}.`);
  }

  /** A checkbox per event type; one above the tier is disabled and names the tier that has it. */
  async function typeBoxes() {
    const { types } = await api('/events/types');
    $('ev-types').replaceChildren(element('legend', '', 'Event types'), ...types.map((t) => {
      const label = element('label', 'check');
      const box = element('input');
      Object.assign(box, { type: 'checkbox', name: 'types', value: t.type, disabled: !t.entitled });
      label.append(box, ` ${t.type}${t.entitled ? '' : ` (${t.requiredTier} tier)`}`);
      return label;
    }));
  }

  /** Called by the dashboard once signed in: `can` says whether the tier has the panel's feature. */
  function start({ key, can }) {
    state.key = key;
    if (!can('eventSubscriptions')) return;
    $('ev-body').hidden = false;
    $('ev-create').addEventListener('submit', (e) => void create(e));
    $('ev-replay').addEventListener('submit', (e) => void replay(e));
    $('ev-log-refresh').addEventListener('click', () => void deliveries().catch(failed));
    $('ev-secret-hide').addEventListener('click', () => {
      $('ev-secret').hidden = true;
      text($('ev-secret-value'), '');
    });
    void typeBoxes().catch(failed);
    void refresh();
    state.timer = setInterval(() => void refresh(), 15000);
  }

  return { start };
})();
