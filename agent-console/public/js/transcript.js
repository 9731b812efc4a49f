// A chat's transcript as QA and managers see it: messages with their verdicts,
// blocked attempts, assignments and closes, turns with SLA hits and misses,
// and the rating. Built defensively: fields the server does not send yet are
// simply left out.

import { h, fmtTime, fmtDateTime } from './dom.js';
import { t } from './i18n.js';
import { get } from './api.js';
import { markedText } from './text.js';
import { categoryName, describeViolation } from './verdicts.js';

const THRESHOLDS = ['first', 'reply', 'r3', 'r5'];
const DEFAULT_S = { first: 60, reply: 30, r3: 180, r5: 300 };

export function thresholdLabel(which, merchant) {
  const th = (merchant && merchant.thresholds) || {};
  const s = th[{ first: 'first_s', reply: 'reply_s', r3: 'r3_s', r5: 'r5_s' }[which]] || DEFAULT_S[which];
  if (!s) return which;
  const span = s % 60 === 0 && s >= 120 ? t('unit.min', { n: s / 60 }) : t('unit.sec', { n: s });
  return t(`th.${which}`, { span });
}

function eventText(e) {
  const vars = { agent: e.agent || '', data: e.data || '', kind: e.kind };
  if (e.kind === 'rate' && e.data) vars.data = t(`qa.rating.${e.data}`);
  if (e.kind === 'sla_miss' && e.data) vars.data = thresholdLabel(e.data);
  const key = `qa.event.${e.kind}`;
  const s = t(key, vars);
  return s === key ? t('qa.event.other', vars) : s;
}

function messageItem(m, blocked) {
  const verdict = m.verdict && m.verdict.violations && m.verdict.violations.length ? m.verdict : null;
  return h(
    'li',
    { class: `msg from-${m.from}${blocked ? ' state-blocked' : ''}${verdict ? ' flagged' : ''}`, dataset: { seq: m.seq ?? '' } },
    h(
      'div',
      { class: 'meta' },
      t(`from.${m.from}`),
      m.agent ? ` ${m.agent}` : '',
      ' · ',
      fmtTime(m.ts),
      m.seq !== undefined ? ` · #${m.seq}` : '',
      blocked ? ` · ${t('qa.blocked')}` : '',
    ),
    h('div', { class: 'bubble' }, markedText(m.text, verdict, describeViolation)),
    verdict
      ? h(
          'div',
          { class: `verdict-note v-${verdict.action}` },
          `${t(`action.${verdict.action}`)}：`,
          verdict.violations.map((v) => `${categoryName(v.category)}「${v.excerpt}」${v.suggestion ? ` → ${v.suggestion}` : ''}`).join('；'),
        )
      : null,
  );
}

// Reads one threshold's outcome from a turn, whatever the exact shape:
// {"reply":"hit"}, {"hits":{"reply":true}}, {"sla":{"reply":"miss"}} …
function outcome(turn, which) {
  const direct = turn[which];
  const norm = (v) => (v === true || v === 'hit' ? 'hit' : v === false || v === 'miss' ? 'miss' : v === null ? '' : typeof v === 'string' ? v : undefined);
  // "first" is also the turn's own flag (is this the first turn?), so only a word counts here.
  if (typeof direct === 'string') return norm(direct);
  for (const k of ['thresholds', 'sla', 'results', 'outcomes', 'hits']) {
    const o = turn[k];
    if (o && typeof o === 'object' && o[which] !== undefined) return norm(o[which]);
  }
  if (Array.isArray(turn.misses)) return turn.misses.includes(which) ? 'miss' : 'hit';
  return undefined;
}

function turnsTable(turns, merchant) {
  const start = (x) => x.start ?? x.started ?? x.turn_started ?? x.opened;
  const answered = (x) => x.answered_at !== undefined || typeof x.response_s === 'number' || typeof x.response_ms === 'number';
  const resp = (x) =>
    typeof x.response_s === 'number'
      ? x.response_s * 1000
      : typeof x.response_ms === 'number'
        ? x.response_ms
        : typeof x.elapsed_s === 'number'
          ? x.elapsed_s * 1000
          : null;
  return h(
    'table',
    { class: 'turns' },
    h(
      'thead',
      null,
      h('tr', null, h('th', null, '#'), h('th', null, t('qa.turn_start')), h('th', { class: 'num' }, t('qa.turn_resp')), THRESHOLDS.map((k) => h('th', null, thresholdLabel(k, merchant)))),
    ),
    h(
      'tbody',
      null,
      turns.map((x, i) => {
        const r = resp(x);
        return h(
          'tr',
          null,
          h('td', null, String(i + 1), x.first ? ` (${t('board.first')})` : ''),
          h('td', null, fmtTime(start(x))),
          h('td', { class: 'num' }, r === null ? t('qa.unanswered') : answered(x) ? `${(r / 1000).toFixed(1)}s` : `${t('qa.unanswered')} (${(r / 1000).toFixed(0)}s)`),
          THRESHOLDS.map((k) => {
            const o = outcome(x, k);
            if (k === 'first' && !x.first) return h('td', null, '');
            return h('td', { class: o || '' }, o === 'hit' ? `✓ ${t('qa.hit')}` : o === 'miss' ? `✗ ${t('qa.miss')}` : '—');
          }),
        );
      }),
    ),
  );
}

export function renderTranscript(data, ctx) {
  const merchant = ctx && ctx.merchants.get(data.merchant);
  const items = [];
  for (const m of data.messages || []) items.push({ ts: m.ts, order: 0, el: () => messageItem(m, false) });
  for (const b of data.blocked || []) items.push({ ts: b.ts, order: 1, el: () => messageItem(b, true) });
  for (const e of data.events || []) items.push({ ts: e.ts, order: 2, el: () => h('li', { class: 'event' }, `${fmtTime(e.ts)} · ${eventText(e)}`) });
  items.sort((a, b) => a.ts - b.ts || a.order - b.order);
  const rating = data.rating && typeof data.rating === 'object' ? data.rating.score : data.rating;
  return h(
    'div',
    { class: 'stack', id: 'transcript', dataset: { chat: data.id } },
    h(
      'div',
      { class: 'muted small' },
      `${t('qa.chat_id')} ${data.id} · ${(merchant && merchant.name) || data.merchant} · ${t('from.buyer')} ${data.buyer} · ${t('from.agent')} ${data.agent || '—'} · ${fmtDateTime(data.opened)}${data.closed ? ` → ${fmtTime(data.closed)}` : ''}`,
    ),
    data.masked ? h('div', { class: 'muted small', id: 'transcript-masked' }, t('qa.masked_note')) : null,
    h(
      'div',
      null,
      `${t('qa.rating')}: `,
      h('span', { class: `pill ${rating === 'satisfied' ? 'ok' : rating === 'unsatisfied' ? 'bad' : ''}`, id: 'transcript-rating' }, rating ? t(`qa.rating.${rating}`) : t('qa.no_rating')),
    ),
    Array.isArray(data.turns) && data.turns.length ? [h('h3', null, t('qa.turns')), turnsTable(data.turns, merchant)] : null,
    h('ol', { class: 'transcript' }, items.map((x) => x.el())),
  );
}

export async function loadTranscript(id, { unmask = false } = {}) {
  return get(`/api/chats/${encodeURIComponent(id)}${unmask ? '?unmask=1' : ''}`);
}

// A modal with the transcript, for the board.
export async function openTranscript(id, ctx) {
  const body = h('div', { class: 'dialog-body' }, t('app.loading'));
  const dlg = h(
    'dialog',
    { class: 'dialog', id: 'transcript-dialog' },
    h('div', { class: 'dialog-head' }, h('h2', null, t('qa.transcript')), h('span', { class: 'spacer' }), h('button', { type: 'button', class: 'ghost', onclick: () => dlg.close() }, t('app.close'))),
    body,
  );
  dlg.addEventListener('close', () => dlg.remove());
  document.body.appendChild(dlg);
  dlg.showModal();
  try {
    const data = await loadTranscript(id);
    body.replaceChildren(renderTranscript(data, ctx));
  } catch (e) {
    body.replaceChildren(h('p', { class: 'msgbox error' }, e.status === 404 ? `${id}: 404` : e.message));
  }
}
