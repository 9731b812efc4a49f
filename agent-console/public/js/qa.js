// QA lead pages: draw a sample, read each transcript, score it on the
// merchant's scorecard; QA scores by agent or merchant; appeals.
// The QA endpoints may not exist yet on a given server: a 404 shows a clear
// message instead of breaking the page.

import { h, clear, replace, fmtDate, fmtDateTime, parseDateInput, startOfDay } from './dom.js';
import { t, onLang } from './i18n.js';
import { api, get, post } from './api.js';
import { renderTranscript, loadTranscript } from './transcript.js';

// Shown when the server has no scorecard: the criteria of qa.md.
const DEFAULT_SCORECARD = {
  id: null,
  name: 'default',
  criteria: [
    { id: 'greeting', name: '开头语规范 / Greeting template', points: 10, kind: 'auto' },
    { id: 'first_response', name: '60秒内首次响应 / First response ≤ 60 s', points: 15, kind: 'auto' },
    { id: 'reply_30s', name: '30秒回复占比 / Share of replies ≤ 30 s', points: 15, kind: 'auto' },
    { id: 'no_violation', name: '无拦截或警告 / No blocked or warned message', points: 15, kind: 'auto' },
    { id: 'closing', name: '使用结束语 / Closing phrase', points: 5, kind: 'auto' },
    { id: 'rating', name: '买家评价 / Buyer rating', points: 10, kind: 'auto' },
    { id: 'courtesy', name: '礼貌用语 / Courtesy', points: 10, kind: 'manual' },
    { id: 'accuracy', name: '解答准确 / Accuracy', points: 10, kind: 'manual' },
    { id: 'resolution', name: '问题解决 / Resolution', points: 10, kind: 'manual' },
  ],
};

const notBuilt = (e) => e && (e.status === 404 || e.status === 405 || e.status === 501);

export function mountQa(root, ctx) {
  let sample = null; // {id, chats:[…]}
  let chatId = null;
  let transcript = null;
  let scorecard = null;
  let scorecardFromServer = false;
  const reviewed = new Set();

  const sampleMsg = h('div', { id: 'qa-sample-msg' });
  const sampleList = h('div', { id: 'qa-sample-list' });
  const transcriptEl = h('div', { id: 'qa-transcript' });
  const reviewEl = h('div', { id: 'qa-review' });
  const scoresEl = h('div', { id: 'qa-scores' });
  const appealsEl = h('div', { id: 'qa-appeals' });
  const weeklyEl = h('span', { class: 'weekly', id: 'qa-weekly' });
  const historyEl = h('div', { id: 'qa-history' });
  const canReview = ctx.user.role === 'qa' || ctx.user.role === 'admin';
  const cardEl = h('div', { id: 'qa-card-editor' });

  const today = startOfDay(Date.now());
  const form = {
    merchant: h('select', { name: 'merchant', id: 'qa-merchant' }),
    from: h('input', { type: 'date', name: 'from', id: 'qa-from', value: fmtDate(today - 6 * 86_400_000) }),
    to: h('input', { type: 'date', name: 'to', id: 'qa-to', value: fmtDate(today) }),
    size: h('input', { type: 'number', name: 'size', id: 'qa-size', min: 1, max: 1000, value: 50 }),
    strategy: h('select', { name: 'strategy', id: 'qa-strategy' }),
    seed: h('input', { type: 'number', name: 'seed', id: 'qa-seed', value: Math.floor(Math.random() * 1e6) }),
  };
  const chatInput = h('input', { id: 'qa-chat-id', placeholder: 'c…' });

  function fillSelects() {
    const keep = form.merchant.value;
    replace(form.merchant, [...ctx.merchants.values()].map((m) => h('option', { value: m.id }, `${m.name} (${m.id})`)));
    if (keep) form.merchant.value = keep;
    form.merchant.onchange = () => loadHistory();
    const s = form.strategy.value || 'random';
    replace(form.strategy, ['random', 'per_agent', 'risk'].map((k) => h('option', { value: k }, t(`qa.strategy.${k}`))));
    form.strategy.value = s;
  }

  function layout() {
    fillSelects();
    const sampleForm = h(
      'form',
      { id: 'qa-sample-form', class: 'stack', onsubmit: (e) => (e.preventDefault(), drawSample()) },
      h('label', null, t('qa.merchant'), form.merchant),
      h('div', { class: 'form-row' }, h('label', null, t('qa.from'), form.from), h('label', null, t('qa.to'), form.to)),
      h('div', { class: 'form-row' }, h('label', null, t('qa.size'), form.size), h('label', null, t('qa.strategy'), form.strategy), h('label', null, t('qa.seed'), form.seed)),
      h('button', { type: 'submit', class: 'primary', id: 'qa-draw' }, t('qa.draw')),
    );
    const openForm = h(
      'form',
      { class: 'form-row', onsubmit: (e) => (e.preventDefault(), chatInput.value.trim() && openChat(chatInput.value.trim())) },
      h('label', null, t('qa.chat_id'), chatInput),
      h('button', { type: 'submit' }, t('qa.open_chat')),
    );
    replace(
      root,
      h(
        'div',
        { class: 'page' },
        h('div', { class: 'page-head' }, h('h1', null, t('qa.title')), weeklyEl),
        h(
          'div',
          { class: 'qa-layout' },
          h('section', { class: 'card' }, h('h2', null, t('qa.sample')), sampleForm, sampleMsg, sampleList, h('h3', null, t('qa.history')), historyEl, h('h3', null, t('qa.open_chat')), openForm),
          h('section', { class: 'card' }, h('h2', null, t('qa.transcript')), transcriptEl),
          h('section', { class: 'card' }, h('h2', null, t('qa.scorecard')), reviewEl),
        ),
        h('div', { class: 'grid two' }, h('section', { class: 'card' }, h('h2', null, t('qa.scores')), scoresEl), h('section', { class: 'card' }, h('h2', null, t('qa.appeals')), appealsEl)),
        h('section', { class: 'card card-gap' }, h('h2', null, t('qa.card_edit'), h('span', { class: 'spacer' }), h('button', { type: 'button', id: 'qa-card-open', onclick: renderCardEditor }, t('app.edit'))), cardEl),
      ),
    );
    renderSample();
    renderTranscriptPane();
    renderReview();
    renderScoresForm();
    loadAppeals();
    loadWeekly();
    loadHistory();
  }

  // This week's reviews per merchant against the 50 a merchant may ask for.
  async function loadWeekly() {
    try {
      const r = await get('/api/qa/weekly');
      const ms = (r && r.merchants) || {};
      replace(
        weeklyEl,
        Object.entries(ms).map(([id, w]) =>
          h('span', { class: `pill ${w.met ? 'ok' : 'away'}`, dataset: { merchant: id } }, t('qa.weekly', { m: (ctx.merchants.get(id) || {}).name || id, n: w.reviewed, target: w.target })),
        ),
      );
    } catch {
      clear(weeklyEl);
    }
  }

  async function loadHistory() {
    try {
      const r = await get(`/api/qa/samples?merchant=${encodeURIComponent(form.merchant.value)}`);
      const list = ((r && r.samples) || []).slice().sort((a, b) => (b.drawn_at || 0) - (a.drawn_at || 0)).slice(0, 30);
      if (!list.length) return replace(historyEl, h('p', { class: 'muted small' }, t('app.none')));
      const sel = h(
        'select',
        { id: 'qa-history-select', onchange: () => {
          const x = list.find((y) => y.sample === sel.value);
          if (x) {
            sample = { id: x.sample, chats: x.chats || [] };
            renderSample();
          }
        } },
        h('option', { value: '' }, '—'),
        list.map((x) => h('option', { value: x.sample }, `${fmtDateTime(x.drawn_at)} · ${x.params && x.params.strategy ? t(`qa.strategy.${x.params.strategy}`) : ''} · ${(x.chats || []).length} · ${x.drawn_by || ''}`)),
      );
      replace(historyEl, sel);
    } catch (e) {
      replace(historyEl, h('p', { class: 'muted small' }, notBuilt(e) ? t('err.not_built') : e.message));
    }
  }

  // ------------------------------------------------------------- sample
  async function drawSample() {
    const from = parseDateInput(form.from.value);
    const to = parseDateInput(form.to.value);
    const body = {
      merchant: form.merchant.value,
      from: from ?? startOfDay(Date.now()),
      to: (to ?? startOfDay(Date.now())) + 86_400_000,
      size: Number(form.size.value) || 50,
      strategy: form.strategy.value,
      seed: Number(form.seed.value) || 0,
    };
    replace(sampleMsg, h('p', { class: 'muted small' }, t('app.loading')));
    try {
      const r = await post('/api/qa/samples', body);
      sample = { id: r.sample, chats: (r.chats || []).map((c) => (typeof c === 'string' ? c : c.id || c.chat)) };
      clear(sampleMsg);
      loadHistory();
    } catch (e) {
      sample = null;
      replace(sampleMsg, h('p', { class: `msgbox ${notBuilt(e) ? 'warn' : 'error'}`, id: 'qa-sample-error', dataset: { status: e.status } }, notBuilt(e) ? t('err.not_built') : e.message));
    }
    renderSample();
  }

  function renderSample() {
    if (!sample) return clear(sampleList);
    if (!sample.chats.length) return replace(sampleList, h('p', { class: 'muted small' }, t('qa.sample_empty')));
    replace(
      sampleList,
      h(
        'p',
        { class: 'small', id: 'qa-sample-summary' },
        t('qa.sample_result', { id: sample.id, n: sample.chats.length }),
        ' ',
        h('a', { href: `/api/qa/samples/${encodeURIComponent(sample.id)}/export?format=csv`, download: `${sample.id}.csv` }, 'CSV'),
        ' ',
        h('a', { href: `/api/qa/samples/${encodeURIComponent(sample.id)}/export?format=jsonl`, download: `${sample.id}.jsonl` }, 'JSONL'),
      ),
      h(
        'table',
        null,
        h(
          'tbody',
          null,
          sample.chats.map((id, i) =>
            h(
              'tr',
              { class: `clickable${id === chatId ? ' selected' : ''}`, dataset: { chat: id }, onclick: () => openChat(id) },
              h('td', { class: 'num muted' }, String(i + 1)),
              h('td', { class: 'key' }, id),
              h('td', null, reviewed.has(id) ? h('span', { class: 'pill ok' }, t('qa.reviewed')) : ''),
            ),
          ),
        ),
      ),
    );
  }

  // --------------------------------------------------------- transcript
  async function openChat(id) {
    chatId = id;
    transcript = null;
    renderSample();
    replace(transcriptEl, h('p', { class: 'muted' }, t('app.loading')));
    clear(reviewEl);
    try {
      transcript = await loadTranscript(id);
    } catch (e) {
      replace(transcriptEl, h('p', { class: 'msgbox error' }, e.status === 404 ? `${id}: 404` : e.message));
      return;
    }
    renderTranscriptPane();
    await loadScorecard(transcript.merchant, id);
    renderReview();
  }

  function renderTranscriptPane() {
    if (!transcript) {
      if (!chatId) replace(transcriptEl, h('p', { class: 'muted' }, t('qa.pick_chat')));
      return;
    }
    const unmask = transcript.masked
      ? h('button', { type: 'button', class: 'link', id: 'qa-unmask', onclick: async () => {
          try {
            transcript = await loadTranscript(transcript.id, { unmask: true });
            renderTranscriptPane();
          } catch (e) {
            ctx.toast(e.status === 403 ? t('qa.unmask_denied') : e.message, 'error');
          }
        } }, t('qa.unmask'))
      : null;
    replace(transcriptEl, unmask, renderTranscript(transcript, ctx));
  }

  // Scorecard of the selected merchant as JSON, saved with PUT (qa.md: providers edit them).
  async function renderCardEditor() {
    const merchant = form.merchant.value;
    const area = h('textarea', { class: 'json', id: 'qa-card-json', rows: 12, spellcheck: 'false' });
    const msg = h('div', { id: 'qa-card-msg' });
    replace(cardEl, h('p', { class: 'muted small' }, t('app.loading')));
    try {
      const card = await get(`/api/qa/scorecards?merchant=${encodeURIComponent(merchant)}`);
      area.value = JSON.stringify({ id: card.id, criteria: card.criteria }, null, 2);
    } catch (e) {
      return replace(cardEl, h('p', { class: `msgbox ${notBuilt(e) ? 'warn' : 'error'}` }, notBuilt(e) ? t('err.not_built') : e.message));
    }
    const save = async () => {
      let body;
      try {
        body = JSON.parse(area.value);
      } catch {
        return replace(msg, h('p', { class: 'msgbox error' }, t('admin.bad_json', { field: t('qa.scorecard') })));
      }
      try {
        await api('PUT', `/api/qa/scorecards?merchant=${encodeURIComponent(merchant)}`, body);
        replace(msg, h('p', { class: 'msgbox ok' }, t('admin.saved')));
      } catch (e) {
        replace(msg, h('p', { class: 'msgbox error' }, e.message));
      }
    };
    replace(
      cardEl,
      h('p', { class: 'muted small' }, t('qa.card_help', { m: (ctx.merchants.get(merchant) || {}).name || merchant })),
      area,
      h('div', { class: 'form-row' }, h('button', { type: 'button', id: 'qa-card-save', onclick: save }, t('app.save'))),
      msg,
    );
  }

  // ------------------------------------------------------------- review
  function normalizeScorecard(r) {
    let card = r;
    if (r && Array.isArray(r.scorecards)) card = r.scorecards[0];
    else if (r && r.scorecard) card = r.scorecard;
    else if (Array.isArray(r)) card = r[0];
    if (!card || !Array.isArray(card.criteria) || !card.criteria.length) return null;
    return {
      id: card.id ?? null,
      name: card.name || card.id || '',
      criteria: card.criteria.map((c, i) => ({
        id: String(c.id ?? c.key ?? c.name ?? i),
        name: c.name || c.label || c.title || c.id,
        points: Number(c.points ?? c.weight ?? 0),
        kind: c.kind === 'auto' ? 'auto' : 'manual',
        autoKey: c.auto_key || '',
        auto: typeof c.score === 'number' ? c.score : typeof c.auto_score === 'number' ? c.auto_score : typeof c.value === 'number' ? c.value : undefined,
        description: c.description || '',
      })),
    };
  }

  async function loadScorecard(merchant, chat) {
    try {
      const r = await get(`/api/qa/scorecards?merchant=${encodeURIComponent(merchant)}&chat=${encodeURIComponent(chat)}`);
      scorecard = normalizeScorecard(r);
      scorecardFromServer = !!scorecard;
    } catch {
      scorecard = null;
      scorecardFromServer = false;
    }
    if (!scorecard) scorecard = normalizeScorecard(DEFAULT_SCORECARD);
  }

  // Estimates automatic criteria from the transcript when the server did not
  // fill them: the reviewer sees a starting point and can change it.
  function estimate(c) {
    const d = transcript;
    if (!d) return undefined;
    if (d.facts && c.autoKey) return autoFromFacts(c, d.facts);
    const msgs = d.messages || [];
    const m = ctx.merchants.get(d.merchant) || {};
    const id = c.id.toLowerCase();
    const turns = Array.isArray(d.turns) ? d.turns : [];
    if (id.includes('greeting')) return msgs.some((x) => x.from === 'auto' || x.from === 'agent') ? c.points : 0;
    if (id.includes('closing')) {
      const closing = (m.closing || '').slice(0, 6);
      return closing && msgs.some((x) => x.from === 'agent' && x.text.includes(closing)) ? c.points : 0;
    }
    if (id.includes('violation') || id.includes('blocked')) {
      const flagged = (d.blocked || []).length || msgs.some((x) => x.from === 'agent' && x.verdict && x.verdict.violations && x.verdict.violations.length);
      return flagged ? 0 : c.points;
    }
    if (id.includes('rating') || id.includes('satisf')) {
      const r = d.rating && typeof d.rating === 'object' ? d.rating.score : d.rating;
      return r === 'satisfied' ? c.points : r === 'neutral' ? c.points / 2 : 0;
    }
    if (id.includes('first') && turns.length) {
      const f = turns.find((x) => x.first) || turns[0];
      const ok = f.first_hit ?? (f.thresholds && f.thresholds.first) ?? f.hits?.first;
      if (ok !== undefined) return ok === true || ok === 'hit' ? c.points : 0;
    }
    return undefined;
  }

  function renderReview() {
    if (!transcript || !scorecard) return replace(reviewEl, h('p', { class: 'muted' }, t('qa.pick_chat')));
    const inputs = new Map();
    const reasons = new Map();
    const totalEl = h('span', { class: 'total', id: 'qa-total' });
    const comment = h('textarea', { id: 'qa-comment', rows: 3 });
    const result = h('div', { id: 'qa-review-result' });
    const sumPoints = scorecard.criteria.reduce((a, c) => a + c.points, 0);
    const recompute = () => {
      let sum = 0;
      for (const c of scorecard.criteria) sum += clampScore(Number(inputs.get(c.id).value), c.points);
      totalEl.textContent = sumPoints ? (Math.round((1000 * sum) / sumPoints) / 10).toFixed(1) : '—';
    };
    // The server fills automatic criteria itself; the form shows the same
    // value and sends a score only where the reviewer changed it, with a reason.
    const serverFills = !!(transcript.facts && scorecardFromServer);
    const shown = new Map();
    const rows = scorecard.criteria.map((c) => {
      const initial = c.auto !== undefined ? c.auto : c.kind === 'auto' ? estimate(c) : undefined;
      const text = initial === undefined ? String(c.points) : String(Math.round(initial * 100) / 100);
      shown.set(c.id, c.kind === 'auto' && initial !== undefined ? text : null);
      const input = h('input', { type: 'number', class: 'score-input', min: 0, max: c.points, step: 'any', value: text, dataset: { criterion: c.id }, oninput: () => { recompute(); reason.hidden = !(shown.get(c.id) !== null && input.value !== shown.get(c.id)); } });
      const reason = h('input', { type: 'text', class: 'small override', placeholder: t('qa.override_reason'), hidden: true, dataset: { criterion: c.id } });
      inputs.set(c.id, input);
      reasons.set(c.id, reason);
      return h(
        'tr',
        null,
        h('td', null, c.name, h('div', { class: 'muted small' }, t(`qa.kind.${c.kind}`), c.description ? ` · ${c.description}` : ''), reason),
        h('td', { class: 'num' }, c.points),
        h('td', { class: 'num' }, input),
      );
    });
    const submit = async (e) => {
      e.preventDefault();
      const scores = {};
      const overrideReasons = {};
      for (const c of scorecard.criteria) {
        const input = inputs.get(c.id);
        const changed = shown.get(c.id) !== null && input.value !== shown.get(c.id);
        if (serverFills && shown.get(c.id) !== null && !changed) continue; // the server's own value
        scores[c.id] = clampScore(Number(input.value), c.points);
        if (changed) {
          const why = reasons.get(c.id).value.trim();
          if (!why) {
            replace(result, h('p', { class: 'msgbox error', id: 'qa-review-error' }, t('qa.reason_needed', { c: c.name })));
            reasons.get(c.id).focus();
            return;
          }
          overrideReasons[c.id] = why;
        }
      }
      const body = { chat: transcript.id, scores, comment: comment.value.trim() };
      if (Object.keys(overrideReasons).length) body.override_reasons = overrideReasons;
      if (sample && sample.chats.includes(transcript.id)) body.sample = sample.id;
      // The last answer goes as the new request leaves, so what shows next is this one's; the
      // button waits for it, so one click stores one review.
      replace(result);
      const button = e.submitter || null;
      if (button) button.disabled = true;
      try {
        const r = await post('/api/qa/reviews', body);
        reviewed.add(transcript.id);
        const total = r && (r.total ?? (r.review && r.review.total));
        replace(result, h('p', { class: 'msgbox ok', id: 'qa-review-ok' }, t('qa.submitted'), typeof total === 'number' ? ` · ${t('qa.total')} ${total.toFixed ? total.toFixed(1) : total}` : ''));
        renderSample();
      } catch (ex) {
        replace(result, h('p', { class: `msgbox ${notBuilt(ex) ? 'warn' : 'error'}`, id: 'qa-review-error', dataset: { status: ex.status } }, notBuilt(ex) ? t('err.not_built') : ex.message));
      } finally {
        if (button) button.disabled = false;
      }
    };
    replace(
      reviewEl,
      scorecardFromServer ? h('p', { class: 'muted small' }, scorecard.name) : h('p', { class: 'msgbox warn small', id: 'qa-default-card' }, t('qa.scorecard_default')),
      h(
        'form',
        { class: 'stack', id: 'qa-review-form', onsubmit: submit },
        h('table', null, h('thead', null, h('tr', null, h('th', null, t('qa.criterion')), h('th', { class: 'num' }, t('qa.points')), h('th', { class: 'num' }, t('qa.score')))), h('tbody', null, rows)),
        h('div', null, `${t('qa.total')}: `, totalEl, ' / 100'),
        h('label', null, t('qa.comment'), comment),
        h('button', { type: 'submit', class: 'primary', id: 'qa-submit' }, t('qa.submit')),
        result,
      ),
    );
    recompute();
  }

  // ------------------------------------------------------------- scores
  function renderScoresForm() {
    const group = h('select', { id: 'qa-scores-group' }, ['agent', 'merchant'].map((g) => h('option', { value: g }, t(`board.group.${g}`))));
    const from = h('input', { type: 'date', value: fmtDate(startOfDay(Date.now()) - 29 * 86_400_000) });
    const to = h('input', { type: 'date', value: fmtDate(Date.now()) });
    const out = h('div', { id: 'qa-scores-out' });
    const load = async () => {
      const f = parseDateInput(from.value) ?? 0;
      const tt = (parseDateInput(to.value) ?? startOfDay(Date.now())) + 86_400_000;
      replace(out, h('p', { class: 'muted small' }, t('app.loading')));
      try {
        const r = await get(`/api/qa/scores?group=${group.value}&from=${f}&to=${tt}`);
        const by = r && r[`by_${group.value}`];
        replace(out, by && typeof by === 'object' && !Array.isArray(by) ? scoresTable(by, group.value) : genericTable(r, group.value));
      } catch (e) {
        replace(out, h('p', { class: `msgbox ${notBuilt(e) ? 'warn' : 'error'}` }, notBuilt(e) ? t('err.not_built') : e.message));
      }
    };
    replace(
      scoresEl,
      h('form', { class: 'form-row', onsubmit: (e) => (e.preventDefault(), load()) }, h('label', null, t('qa.group_by'), group), h('label', null, t('qa.from'), from), h('label', null, t('qa.to'), to), h('button', { type: 'submit' }, t('qa.load'))),
      out,
    );
  }

  function scoresTable(by, group) {
    const keys = Object.keys(by).sort((a, b) => (by[b].avg_total ?? 0) - (by[a].avg_total ?? 0));
    if (!keys.length) return h('p', { class: 'muted small' }, t('app.none'));
    const name = (k) => (group === 'merchant' ? (ctx.merchants.get(k) || {}).name || k : k);
    return h(
      'table',
      { id: 'qa-scores-table' },
      h('thead', null, h('tr', null, h('th', null, t(`board.group.${group}`)), h('th', { class: 'num' }, t('qa.reviews')), h('th', { class: 'num' }, t('qa.avg')), h('th', null, t('qa.trend')))),
      h(
        'tbody',
        null,
        keys.map((k) => {
          const x = by[k] || {};
          const weeks = Array.isArray(x.weeks) ? x.weeks : [];
          return h(
            'tr',
            { dataset: { key: k } },
            h('td', null, name(k) || '—'),
            h('td', { class: 'num' }, x.reviews ?? ''),
            h('td', { class: 'num' }, typeof x.avg_total === 'number' ? x.avg_total.toFixed(1) : '—'),
            h('td', { class: 'small muted' }, weeks.map((w) => `${fmtDate(w.week_start)}: ${typeof w.avg_total === 'number' ? w.avg_total.toFixed(1) : '—'} (${w.reviews})`).join(' → ')),
          );
        }),
      ),
    );
  }

  function appealsTable(list) {
    if (!list.length) return h('p', { class: 'muted small' }, t('app.none'));
    return h(
      'table',
      { id: 'qa-appeals-table' },
      h('thead', null, h('tr', null, ['qa.appeal_time', 'board.agent', 'qa.chat_id', 'qa.appeal_reason', 'qa.appeal_status', ''].map((k) => h('th', null, k ? t(k) : '')))),
      h(
        'tbody',
        null,
        list.map((a) => {
          const reason = h('input', { class: 'small', placeholder: t('qa.resolution') });
          const resolve = async (decision) => {
            if (!reason.value.trim()) return reason.focus();
            try {
              await post(`/api/qa/appeals/${encodeURIComponent(a.id)}/resolve`, { decision, reason: reason.value.trim() });
              loadAppeals();
            } catch (e) {
              ctx.toast(e.message, 'error');
            }
          };
          return h(
            'tr',
            { dataset: { id: a.id } },
            h('td', { class: 'small' }, fmtDateTime(a.created)),
            h('td', null, a.agent),
            h('td', { class: 'key' }, h('button', { type: 'button', class: 'link', onclick: () => openChat(a.chat) }, a.chat)),
            h('td', null, a.reason),
            h('td', null, h('span', { class: `pill ${a.status === 'open' ? 'away' : a.status === 'accepted' ? 'ok' : ''}` }, t(`qa.appeal.${a.status}`)), a.resolution ? h('div', { class: 'small muted' }, a.resolution) : null),
            h('td', null, a.status === 'open' && canReview ? [reason, h('button', { type: 'button', class: 'link', onclick: () => resolve('accept') }, t('qa.accept')), h('button', { type: 'button', class: 'link', onclick: () => resolve('reject') }, t('qa.reject'))] : null),
          );
        }),
      ),
    );
  }

  async function loadAppeals() {
    replace(appealsEl, h('p', { class: 'muted small' }, t('app.loading')));
    try {
      const r = await get('/api/qa/appeals');
      replace(appealsEl, r && Array.isArray(r.appeals) ? appealsTable(r.appeals) : genericTable(r, 'appeal'));
    } catch (e) {
      replace(appealsEl, h('p', { class: `msgbox ${notBuilt(e) ? 'warn' : 'error'}`, id: 'qa-appeals-msg' }, notBuilt(e) ? t('err.not_built') : e.message));
    }
  }

  const offLang = onLang(() => {
    layout();
  });
  layout();

  return {
    show() {
      fillSelects();
    },
    destroy() {
      offLang();
    },
  };
}

// The automatic score of a criterion from the transcript's facts, the same
// rule the server applies (qa.md): met = full points, unknown counts as met.
function autoFromFacts(c, f) {
  const met = (b) => (b === null || b === undefined || b ? c.points : 0);
  switch (c.autoKey) {
    case 'greeting':
      return met(f.greeting_followed);
    case 'first_response':
      return met(f.first_response_hit);
    case 'closing':
      return met(f.closing_used);
    case 'no_violation':
      return (f.blocked || 0) <= 0 && (f.warned || 0) <= 0 ? c.points : 0;
    case 'reply_30s_share':
      return typeof f.reply_30s_share === 'number' ? c.points * Math.max(0, Math.min(1, f.reply_30s_share)) : c.points;
    case 'rating':
      return f.rating === 'satisfied' ? c.points : f.rating === 'neutral' ? c.points / 2 : 0;
    default:
      return undefined;
  }
}

function clampScore(v, max) {
  if (!Number.isFinite(v)) return 0;
  return Math.max(0, Math.min(max, v));
}

// Renders whatever list or map the server answers as a table: an array of
// objects, or an object keyed by group ({"by_agent": {"a1": {…}}}).
function genericTable(r, keyName) {
  let rows = [];
  const pick = (o) => {
    if (Array.isArray(o)) return o.map((x) => (x && typeof x === 'object' ? x : { value: x }));
    if (o && typeof o === 'object') return Object.entries(o).map(([k, v]) => ({ [keyName]: k, ...(v && typeof v === 'object' ? v : { value: v }) }));
    return [];
  };
  if (Array.isArray(r)) rows = pick(r);
  else if (r && typeof r === 'object') {
    const inner = Object.entries(r).find(([, v]) => Array.isArray(v) || (v && typeof v === 'object'));
    rows = inner ? pick(inner[1]) : pick(r);
  }
  if (!rows.length) return h('p', { class: 'muted small' }, t('app.none'));
  const cols = [];
  for (const row of rows) for (const [k, v] of Object.entries(row)) if (!cols.includes(k) && (v === null || typeof v !== 'object')) cols.push(k);
  const cell = (k, v) => {
    if (typeof v === 'number' && /(^|_)(at|ts|created|opened|closed|from|to)$/.test(k) && v > 1e11) return fmtDateTime(v);
    if (typeof v === 'number' && !Number.isInteger(v)) return v.toFixed(1);
    return v === null || v === undefined ? '' : String(v);
  };
  return h(
    'table',
    null,
    h('thead', null, h('tr', null, cols.map((c) => h('th', null, c)))),
    h('tbody', null, rows.map((row) => h('tr', null, cols.map((c) => h('td', { class: typeof row[c] === 'number' ? 'num' : '' }, cell(c, row[c])))))),
  );
}
