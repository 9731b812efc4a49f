// An agent's own QA reviews, with the appeal each one allows.

import { h, replace, fmtDateTime } from './dom.js';
import { t, onLang } from './i18n.js';
import { get, post } from './api.js';
import { openTranscript } from './transcript.js';

export function mountMyQa(root, ctx) {
  const listEl = h('div', { id: 'myqa-list' });

  function layout() {
    replace(
      root,
      h(
        'div',
        { class: 'page' },
        h('div', { class: 'page-head' }, h('h1', null, t('myqa.title')), h('span', { class: 'muted small' }, t('myqa.help'))),
        h('section', { class: 'card' }, listEl),
      ),
    );
  }

  async function load() {
    replace(listEl, h('p', { class: 'muted small' }, t('app.loading')));
    let reviews;
    let appeals = [];
    try {
      reviews = (await get('/api/qa/reviews')).reviews || [];
    } catch (e) {
      const missing = e.status === 404 || e.status === 405;
      return replace(listEl, h('p', { class: `msgbox ${missing ? 'warn' : 'error'}` }, missing ? t('err.not_built') : e.message));
    }
    try {
      appeals = (await get('/api/qa/appeals')).appeals || [];
    } catch {
      /* reviews still show */
    }
    if (!reviews.length) return replace(listEl, h('p', { class: 'empty' }, t('myqa.none')));
    reviews.sort((a, b) => (b.created || 0) - (a.created || 0));
    replace(
      listEl,
      h(
        'table',
        { id: 'myqa-table' },
        h('thead', null, h('tr', null, ['qa.appeal_time', 'qa.chat_id', 'qa.total', 'qa.comment', 'myqa.appeal', ''].map((k) => h('th', null, k ? t(k) : '')))),
        h(
          'tbody',
          null,
          reviews.map((r) => {
            const mine = appeals.filter((a) => a.review === r.id).sort((a, b) => (b.created || 0) - (a.created || 0));
            const last = mine[0];
            const reason = h('input', { class: 'small', placeholder: t('myqa.reason') });
            const appeal = async () => {
              if (!reason.value.trim()) return reason.focus();
              try {
                await post('/api/qa/appeals', { review: r.id, reason: reason.value.trim() });
                ctx.toast(t('myqa.sent'), 'ok');
                load();
              } catch (e) {
                ctx.toast(e.message, 'error');
              }
            };
            return h(
              'tr',
              { dataset: { review: r.id } },
              h('td', { class: 'small' }, fmtDateTime(r.created)),
              h('td', { class: 'key' }, h('button', { type: 'button', class: 'link', onclick: () => openTranscript(r.chat, ctx) }, r.chat)),
              h('td', { class: 'num' }, typeof r.total === 'number' ? r.total.toFixed(1) : '—'),
              h('td', null, r.comment || ''),
              h('td', null, last ? [h('span', { class: `pill ${last.status === 'open' ? 'away' : last.status === 'accepted' ? 'ok' : ''}` }, t(`qa.appeal.${last.status}`)), last.resolution ? h('div', { class: 'small muted' }, last.resolution) : null] : ''),
              h('td', null, !last || last.status !== 'open' ? [reason, h('button', { type: 'button', class: 'link', onclick: appeal }, t('myqa.appeal_go'))] : null),
            );
          }),
        ),
      ),
    );
  }

  const offLang = onLang(() => {
    layout();
    load();
  });
  layout();
  load();
  return {
    show() {
      load();
    },
    destroy() {
      offLang();
    },
  };
}
