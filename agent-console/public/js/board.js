// The manager's live SLA board over /ws/board: queues, seats, waiting turns,
// today's rates, a rolling chart and recent misses and violations.

import { h, clear, replace, fmtTime, fmtDuration, fmtRate, fmtDate, parseDateInput, startOfDay } from './dom.js';
import { t, onLang } from './i18n.js';
import { Socket, post } from './api.js';
import { categoryName } from './verdicts.js';
import { openTranscript, thresholdLabel } from './transcript.js';

const SERIES_MAX = 1800; // one point a second: the last half hour
const RATE_COLUMNS = [
  ['reply_30s_rate', 'board.r30'],
  ['first_response_60s_rate', 'board.f60'],
  ['reply_3min_rate', 'board.r3'],
  ['reply_5min_rate', 'board.r5'],
];

export function mountBoard(root, ctx) {
  let snap = null;
  let snapAt = 0; // local time the snapshot arrived
  const series = { t: [], queue: [], waiting: [], online: [], oldest: [] };
  let lastPoint = 0;
  let chart = null;
  let chartLib = null;
  let chartFailed = false;
  let socket = null;
  const canLift = ctx.user.role === 'manager' || ctx.user.role === 'admin';

  const kpis = h('div', { class: 'kpis', id: 'board-kpis' });
  const updated = h('span', { class: 'muted small', id: 'board-updated' });
  const queuesEl = h('div', { id: 'board-queues' });
  const seatsEl = h('div', { id: 'board-seats' });
  const turnsEl = h('div', { id: 'board-turns' });
  const todayM = h('div', { id: 'board-today-merchant' });
  const todayA = h('div', { id: 'board-today-agent' });
  const recentEl = h('ul', { class: 'recent', id: 'board-recent' });
  const chartBox = h('div', { class: 'chart-box', id: 'board-chart' });
  const exportEl = h('div', { class: 'export', id: 'board-export' });
  const card = (titleKey, cls, ...body) => h('section', { class: `card ${cls}` }, h('h2', null, t(titleKey)), ...body);

  function layout() {
    replace(
      root,
      h(
        'div',
        { class: 'page' },
        h('div', { class: 'page-head' }, h('h1', null, t('board.title')), updated),
        kpis,
        h(
          'div',
          { class: 'board-grid' },
          card('board.turns', '', turnsEl),
          card('board.seats', '', seatsEl),
          card('board.chart', '', chartBox),
          card('board.today_merchant', 'span2 scroll-x', todayM),
          card('board.recent', 'rows2', recentEl),
          card('board.today_agent', 'span2 scroll-x', todayA),
          card('board.queue', '', queuesEl),
          card('board.export', 'span2', exportEl),
        ),
      ),
    );
    renderExport();
    if (chart) {
      chart.destroy();
      chart = null;
    }
  }

  // --------------------------------------------------------------- data
  function onFrame(f) {
    if (f.type !== 'board') return;
    snap = f;
    snapAt = Date.now();
    const now = Date.now();
    if (now - lastPoint >= 1000) {
      lastPoint = now;
      const queued = Object.values(f.queues || {}).reduce((a, b) => a + b, 0);
      const online = (f.agents || []).filter((a) => a.status === 'online').length;
      const oldest = Math.max(0, ...(f.turns || []).map((x) => x.elapsed_ms || 0));
      series.t.push((f.at || now) / 1000);
      series.queue.push(queued);
      series.waiting.push((f.turns || []).length);
      series.online.push(online);
      series.oldest.push(Math.round(oldest / 1000));
      if (series.t.length > SERIES_MAX) for (const k of Object.keys(series)) series[k].shift();
    }
    render();
  }

  function start() {
    if (socket) return;
    socket = new Socket('/ws/board', {
      onFrame,
      onState: (s) => {
        ctx.setConnection(s);
        if (s === 'closed') ctx.checkSession();
      },
    });
  }

  function stop() {
    if (socket) socket.stop();
    socket = null;
  }

  // ------------------------------------------------------------- render
  const merchantName = (id) => (ctx.merchants.get(id) && ctx.merchants.get(id).name) || id;
  const agentName = (id) => {
    const a = snap && (snap.agents || []).find((x) => x.id === id);
    return (a && a.name) || id || '—';
  };

  function waitClass(ms, first) {
    if (ms > 300_000) return 'c-late5';
    if (ms > 180_000) return 'c-late3';
    if (first && ms > 60_000) return 'c-late60';
    if (ms > 30_000) return 'c-late30';
    return 'c-ok';
  }

  // Elapsed times move on between snapshots.
  const liveElapsed = (ms) => (typeof ms === 'number' ? ms + (Date.now() - snapAt) : null);

  function render() {
    if (!snap) return;
    updated.textContent = t('board.updated', { t: fmtTime(snap.at) });
    renderKpis();
    renderTurns();
    renderSeats();
    renderToday(todayM, (snap.today && snap.today.by_merchant) || {}, merchantName, 'merchant');
    renderToday(todayA, (snap.today && snap.today.by_agent) || {}, agentName, 'agent');
    renderQueues();
    renderRecent();
    renderChart();
  }

  function renderKpis() {
    const queued = Object.values(snap.queues || {}).reduce((a, b) => a + b, 0);
    const online = (snap.agents || []).filter((a) => a.status === 'online').length;
    const oldest = Math.max(0, ...(snap.turns || []).map((x) => liveElapsed(x.elapsed_ms) || 0));
    let misses = 0;
    for (const m of Object.values((snap.today && snap.today.by_merchant) || {})) misses += m.misses_30s || 0;
    const kpi = (label, value, cls, id) => h('div', { class: `kpi ${cls || ''}`, id }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
    replace(
      kpis,
      kpi(t('board.queue_total'), queued, queued ? 'warn' : '', 'kpi-queue'),
      kpi(t('board.online'), `${online}/${(snap.agents || []).length}`, '', 'kpi-online'),
      kpi(t('board.waiting'), (snap.turns || []).length, '', 'kpi-waiting'),
      kpi(t('board.oldest'), fmtDuration(oldest), oldest > 30_000 ? 'bad' : '', 'kpi-oldest'),
      kpi(t('board.misses_today'), misses, misses ? 'bad' : '', 'kpi-misses'),
    );
  }

  function renderTurns() {
    const turns = [...(snap.turns || [])].sort((a, b) => (b.elapsed_ms || 0) - (a.elapsed_ms || 0));
    if (!turns.length) return replace(turnsEl, h('p', { class: 'empty small' }, t('board.no_turns')));
    replace(
      turnsEl,
      h(
        'table',
        null,
        h('thead', null, h('tr', null, ['board.buyer', 'board.merchant', 'board.agent', 'board.elapsed'].map((k) => h('th', null, t(k))))),
        h(
          'tbody',
          null,
          turns.map((x) => {
            const ms = liveElapsed(x.elapsed_ms);
            return h(
              'tr',
              { class: 'clickable', dataset: { chat: x.chat }, onclick: () => openTranscript(x.chat, ctx) },
              h('td', null, x.buyer, x.first ? h('span', { class: 'pill' }, ' ', t('board.first')) : null),
              h('td', null, merchantName(x.merchant)),
              h('td', null, x.agent ? agentName(x.agent) : h('span', { class: 'pill away' }, t('board.waiting_unassigned'))),
              h('td', { class: `num wait ${waitClass(ms, x.first)}` }, fmtDuration(ms)),
            );
          }),
        ),
      ),
    );
  }

  function renderSeats() {
    const agents = [...(snap.agents || [])].sort((a, b) => statusRank(a.status) - statusRank(b.status) || a.id.localeCompare(b.id));
    replace(
      seatsEl,
      h(
        'table',
        null,
        h('thead', null, h('tr', null, h('th', null, t('board.agent')), h('th', null, t('board.status')), h('th', null, t('board.load')), h('th', { class: 'num' }, t('board.oldest')), h('th', null, ''))),
        h(
          'tbody',
          null,
          agents.map((a) => {
            const pct = a.capacity ? Math.min(100, (100 * a.chats) / a.capacity) : 0;
            const fill = h('span');
            fill.style.width = `${pct}%`;
            const wait = liveElapsed(a.oldest_wait_ms);
            return h(
              'tr',
              { dataset: { agent: a.id } },
              h('td', null, h('strong', null, a.name || a.id), h('div', { class: 'muted small' }, a.id)),
              h('td', null, h('span', { class: `pill ${a.status}` }, t(`board.status.${a.status}`))),
              h('td', null, `${a.chats}/${a.capacity}`, h('div', { class: `bar${a.capacity && a.chats >= a.capacity ? ' full' : ''}` }, fill)),
              h('td', { class: `num wait ${wait === null ? '' : waitClass(wait, false)}` }, wait === null ? '—' : fmtDuration(wait)),
              h(
                'td',
                null,
                (a.suspended || []).map((m) =>
                  h(
                    'div',
                    null,
                    h('span', { class: 'pill bad' }, `${t('board.suspended')}: ${merchantName(m)}`),
                    canLift ? h('button', { type: 'button', class: 'link', onclick: () => lift(a.id, m) }, t('board.unsuspend')) : null,
                  ),
                ),
              ),
            );
          }),
        ),
      ),
    );
  }

  function statusRank(s) {
    return { online: 0, reconnecting: 1, away: 2, offline: 3 }[s] ?? 4;
  }

  async function lift(agent, merchant) {
    try {
      await post(`/api/agents/${encodeURIComponent(agent)}/unsuspend`, { merchant });
      ctx.toast(t('board.unsuspended', { agent, merchant: merchantName(merchant) }), 'ok');
    } catch (e) {
      ctx.toast(`${t('err.server')}: ${e.message}`, 'error');
    }
  }

  function targetFor(key) {
    if (snap.targets && typeof snap.targets[key] === 'number') return snap.targets[key];
    if (key === 'satisfaction_rate' && typeof snap.satisfaction_target === 'number') return snap.satisfaction_target;
    return null;
  }

  function rateCell(m, key) {
    const v = m[key];
    const target = targetFor(key);
    const below = typeof v === 'number' && target !== null && v < target;
    return h(
      'td',
      { class: `num ${key === 'satisfaction_rate' ? 'sat' : ''}${below ? ' below' : ''}`, title: target !== null ? t('board.target', { v: fmtRate(target) }) + (below ? ` — ${t('board.below')}` : '') : undefined },
      fmtRate(v),
    );
  }

  function renderToday(el, data, name, kind) {
    const keys = Object.keys(data).sort();
    if (!keys.length) return replace(el, h('p', { class: 'empty small' }, t('app.none')));
    const satTarget = targetFor('satisfaction_rate');
    replace(
      el,
      h(
        'table',
        { class: 'rates', dataset: { kind } },
        h(
          'thead',
          null,
          h(
            'tr',
            null,
            h('th', null, t(kind === 'merchant' ? 'board.merchant' : 'board.agent')),
            h('th', { class: 'num' }, t('board.turns_n')),
            RATE_COLUMNS.map(([, label]) => h('th', { class: 'num' }, t(label))),
            h('th', { class: 'num' }, t('board.sat'), satTarget !== null ? h('div', { class: 'muted small' }, `≥ ${fmtRate(satTarget)}`) : null),
            h('th', { class: 'num' }, t('board.rated')),
          ),
        ),
        h(
          'tbody',
          null,
          keys.map((k) => {
            const m = data[k] || {};
            const below = typeof m.satisfaction_rate === 'number' && satTarget !== null && m.satisfaction_rate < satTarget;
            return h(
              'tr',
              { class: below ? 'below' : '', dataset: { key: k } },
              h('td', null, name(k)),
              h('td', { class: 'num' }, m.turns ?? '—'),
              RATE_COLUMNS.map(([key]) => rateCell(m, key)),
              rateCell(m, 'satisfaction_rate'),
              h('td', { class: 'num' }, m.rated ?? 0),
            );
          }),
        ),
      ),
    );
  }

  function renderQueues() {
    const q = snap.queues || {};
    const ids = Object.keys(q).sort((a, b) => q[b] - q[a] || a.localeCompare(b));
    if (!ids.length) return replace(queuesEl, h('p', { class: 'empty small' }, t('app.none')));
    replace(
      queuesEl,
      h(
        'table',
        null,
        h('thead', null, h('tr', null, h('th', null, t('board.merchant')), h('th', { class: 'num' }, t('board.queue')))),
        h('tbody', null, ids.map((id) => h('tr', { dataset: { merchant: id } }, h('td', null, merchantName(id)), h('td', { class: `num${q[id] ? ' below' : ''}` }, q[id])))),
      ),
    );
  }

  function renderRecent() {
    const items = snap.recent || [];
    if (!items.length) return replace(recentEl, h('li', { class: 'muted' }, t('board.no_recent')));
    replace(
      recentEl,
      items.map((r) => {
        let detail = '';
        if (r.kind === 'miss') detail = thresholdLabel(r.threshold, ctx.merchants.get(r.merchant));
        else if (r.kind === 'violation') {
          const v = r.verdict || {};
          const cats = [...new Set((v.violations || []).map((x) => categoryName(x.category)))].join('、');
          const excerpt = (v.violations || []).map((x) => x.excerpt).filter(Boolean).join(' / ');
          detail = `${r.action === 'block' ? t('action.block') : r.action === 'buyer_warning' ? t('from.buyer') : t('action.warn')} · ${cats}${excerpt ? ` 「${excerpt}」` : ''}`;
        }
        return h(
          'li',
          { dataset: { kind: r.kind } },
          h('span', { class: 'muted small' }, fmtTime(r.at)),
          h('span', { class: `pill ${r.kind === 'miss' || r.kind === 'suspension' ? 'bad' : 'away'}` }, t(`board.kind.${r.kind}`)),
          h('span', null, merchantName(r.merchant || '')),
          r.agent ? h('span', { class: 'muted' }, agentName(r.agent)) : null,
          h('span', null, detail),
          r.chat ? h('button', { type: 'button', class: 'link', onclick: () => openTranscript(r.chat, ctx) }, t('board.view_chat')) : null,
        );
      }),
    );
  }

  // --------------------------------------------------------------- chart
  async function renderChart() {
    if (chartFailed) return;
    if (!chartLib) {
      try {
        chartLib = import('../vendor/uPlot.esm.js').then((m) => m.default);
        ensureCss();
        chartLib = await chartLib;
      } catch {
        chartFailed = true;
        replace(chartBox, h('p', { class: 'msgbox warn' }, t('board.chart_missing')));
        return;
      }
    }
    if (typeof chartLib.then === 'function') return; // still loading
    const data = [series.t, series.queue, series.waiting, series.online, series.oldest];
    if (!chart) {
      clear(chartBox);
      const width = Math.max(300, chartBox.clientWidth || 480);
      chart = new chartLib(
        {
          width,
          height: 220,
          scales: { x: { time: true }, s: { auto: true } },
          series: [
            {},
            { label: t('board.series_queue'), stroke: '#cf222e', width: 2 },
            { label: t('board.series_waiting'), stroke: '#b35c00', width: 2 },
            { label: t('board.series_online'), stroke: '#1a7f37', width: 2 },
            { label: t('board.series_oldest'), stroke: '#1f6feb', width: 1.5, scale: 's', dash: [4, 3] },
          ],
          axes: [
            { values: (u, splits) => splits.map((v) => fmtTime(v * 1000)) },
            { size: 40 },
            { side: 1, scale: 's', grid: { show: false }, size: 50 },
          ],
          legend: { live: false },
        },
        data,
        chartBox,
      );
    } else {
      chart.setData(data);
      const w = chartBox.clientWidth;
      if (w && Math.abs(w - chart.width) > 20) chart.setSize({ width: w, height: 220 });
    }
  }

  function ensureCss() {
    if (document.querySelector('link[data-uplot]')) return;
    document.head.appendChild(h('link', { rel: 'stylesheet', href: 'vendor/uPlot.min.css', 'data-uplot': '1' }));
  }

  // -------------------------------------------------------------- export
  function renderExport() {
    const today = fmtDate(Date.now());
    const from = h('input', { type: 'date', id: 'export-from', value: today });
    const to = h('input', { type: 'date', id: 'export-to', value: today });
    const links = ['merchant', 'agent', 'day'].map((g) =>
      h('a', { id: `export-${g}`, download: `sla-${g}.csv`, href: '#', dataset: { group: g } }, `${t('board.export')} · ${t('board.export_by', { g: t(`board.group.${g}`) })}`),
    );
    const update = () => {
      const f = parseDateInput(from.value) ?? startOfDay(Date.now());
      const tt = (parseDateInput(to.value) ?? startOfDay(Date.now())) + 86_400_000;
      for (const a of links) a.href = `/api/sla?from=${f}&to=${tt}&group=${a.dataset.group}&format=csv`;
    };
    from.addEventListener('change', update);
    to.addEventListener('change', update);
    update();
    replace(exportEl, h('label', null, t('board.from'), from), h('label', null, t('board.to'), to), links);
  }

  // Elapsed times tick locally between snapshots.
  const ticker = setInterval(() => {
    if (!snap || root.hidden) return;
    renderKpis();
    renderTurns();
  }, 1000);

  const offLang = onLang(() => {
    layout();
    render();
  });

  layout();
  start();

  return {
    show() {
      start();
    },
    hide() {
      stop();
    },
    destroy() {
      clearInterval(ticker);
      offLang();
      stop();
      if (chart) chart.destroy();
    },
    get snapshot() {
      return snap;
    },
  };
}
