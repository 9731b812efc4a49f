// Admin pages: merchants (templates, SLA limits, service hours, origins,
// compliance overrides), accounts, and lifting send suspensions.

import { h, clear, replace } from './dom.js';
import { t, onLang } from './i18n.js';
import { get, post, patch, wsUrl } from './api.js';

export function mountAdmin(root, ctx) {
  const isAdmin = ctx.user.role === 'admin';
  let tab = isAdmin ? 'merchants' : 'suspensions';
  let merchants = [];
  let agents = [];
  let editing = null; // {kind, item|null}
  let suspendedRows = [];

  const body = h('div', { id: 'admin-body' });

  function layout() {
    const tabs = (isAdmin ? ['merchants', 'agents', 'suspensions'] : ['suspensions']).map((k) =>
      h('button', { type: 'button', class: tab === k ? 'active' : '', id: `tab-${k}`, onclick: () => { tab = k; editing = null; layout(); load(); } }, t(`admin.${k}`)),
    );
    replace(root, h('div', { class: 'page' }, h('div', { class: 'tabs' }, tabs), body));
    render();
  }

  async function load() {
    try {
      if (tab === 'merchants') {
        merchants = (await get('/api/merchants')).merchants || [];
        ctx.merchants.clear();
        for (const m of merchants) ctx.merchants.set(m.id, m);
      } else if (tab === 'agents') {
        agents = (await get('/api/agents')).agents || [];
      } else {
        suspendedRows = await readSuspensions();
      }
    } catch (e) {
      ctx.toast(e.message, 'error');
    }
    render();
  }

  // One snapshot of the board tells who is suspended where.
  function readSuspensions() {
    return new Promise((resolve) => {
      const ws = new WebSocket(wsUrl('/ws/board'));
      const done = (rows) => {
        clearTimeout(timer);
        ws.onclose = null;
        ws.close();
        resolve(rows);
      };
      const timer = setTimeout(() => done([]), 5000);
      ws.onmessage = (ev) => {
        try {
          const f = JSON.parse(ev.data);
          if (f.type !== 'board') return;
          const rows = [];
          for (const a of f.agents || []) for (const m of a.suspended || []) rows.push({ agent: a.id, name: a.name, merchant: m });
          done(rows);
        } catch {
          /* keep waiting */
        }
      };
      ws.onclose = () => done([]);
    });
  }

  function render() {
    if (tab === 'merchants') renderMerchants();
    else if (tab === 'agents') renderAgents();
    else renderSuspensions();
  }

  // ---------------------------------------------------------- merchants
  function renderMerchants() {
    const table = h(
      'table',
      { id: 'merchant-table' },
      h('thead', null, h('tr', null, ['admin.id', 'admin.name', 'admin.platform', 'admin.greeting_mode', 'admin.service_scope', 'admin.sla_col', 'admin.channel_key'].map((k) => h('th', null, t(k))))),
      h(
        'tbody',
        null,
        merchants.map((m) =>
          h(
            'tr',
            { class: `clickable${editing && editing.item && editing.item.id === m.id ? ' selected' : ''}`, dataset: { id: m.id }, onclick: () => { editing = { kind: 'merchant', item: m }; render(); } },
            h('td', { class: 'key' }, m.id),
            h('td', null, m.name),
            h('td', null, t(`platform.${m.platform}`)),
            h('td', null, t(`admin.greeting_mode.${m.greeting_mode || 'auto'}`)),
            h('td', null, m.service_scope ? t(`admin.scope.${m.service_scope}`) : '—'),
            h('td', { class: 'small' }, slaSummary(m)),
            h('td', null, m.channel_key ? secret(m.channel_key) : '—'),
          ),
        ),
      ),
    );
    replace(
      body,
      h(
        'div',
        { class: 'admin-layout' },
        h('section', { class: 'card' }, h('h2', null, t('admin.merchants'), h('span', { class: 'spacer' }), h('button', { type: 'button', id: 'new-merchant', onclick: () => { editing = { kind: 'merchant', item: null }; render(); } }, t('admin.new_merchant'))), table),
        editing && editing.kind === 'merchant' ? h('section', { class: 'card' }, merchantForm(editing.item)) : null,
      ),
    );
  }

  // "60/30/180/300 s · 09:00-18:00" — thresholds first/reply/3 min/5 min, then hours.
  function slaSummary(m) {
    const th = m.thresholds || {};
    const parts = [['first_s', 60], ['reply_s', 30], ['r3_s', 180], ['r5_s', 300]].map(([k, d]) => th[k] ?? d);
    let s = `${parts.join('/')} s`;
    const sh = m.service_hours;
    if (sh && Array.isArray(sh.intervals)) s += ` · ${sh.intervals.map((x) => x.join('-')).join(', ')}`;
    return s;
  }

  function secret(key) {
    const span = h('span', { class: 'key' }, '••••••••');
    let shown = false;
    const toggle = h('button', { type: 'button', class: 'link', onclick: (e) => { e.stopPropagation(); shown = !shown; span.textContent = shown ? key : '••••••••'; toggle.textContent = shown ? t('admin.hide') : t('admin.show'); } }, t('admin.show'));
    const copy = h('button', { type: 'button', class: 'link', onclick: async (e) => { e.stopPropagation(); try { await navigator.clipboard.writeText(key); ctx.toast(t('admin.copied'), 'ok'); } catch { shown = true; span.textContent = key; } } }, t('admin.copy'));
    return h('span', null, span, toggle, copy);
  }

  function merchantForm(m) {
    const creating = !m;
    m = m || {};
    const th = m.thresholds || {};
    const sh = m.service_hours || null;
    const f = {
      id: h('input', { name: 'id', required: true, pattern: '[A-Za-z0-9_.\\-]{1,64}', value: m.id || '', disabled: !creating }),
      name: h('input', { name: 'name', required: true, value: m.name || '' }),
      platform: h('select', { name: 'platform' }, ['kuaishou', 'taobao', 'tencent'].map((p) => h('option', { value: p, selected: m.platform === p }, t(`platform.${p}`)))),
      greeting: h('textarea', { name: 'greeting', rows: 2 }),
      greeting_mode: h('select', { name: 'greeting_mode' }, ['auto', 'agent'].map((p) => h('option', { value: p, selected: (m.greeting_mode || 'auto') === p }, t(`admin.greeting_mode.${p}`)))),
      closing: h('textarea', { name: 'closing', rows: 2 }),
      service_scope: h('select', { name: 'service_scope' }, h('option', { value: '' }, '—'), ['presale', 'full'].map((p) => h('option', { value: p, selected: m.service_scope === p }, t(`admin.scope.${p}`)))),
      allowed_origins: h('textarea', { name: 'allowed_origins', rows: 2 }),
      official_contacts: h('textarea', { name: 'official_contacts', class: 'json', rows: 2 }),
      compliance: h('textarea', { name: 'compliance', class: 'json', rows: 4 }),
      sh_on: h('input', { type: 'checkbox', name: 'sh_on', checked: !!sh }),
      sh_offset: h('input', { type: 'number', name: 'sh_offset', value: sh && sh.utc_offset_min !== undefined ? sh.utc_offset_min : 480 }),
      sh_intervals: h('input', { name: 'sh_intervals', value: sh && sh.intervals ? sh.intervals.map((x) => x.join('-')).join(', ') : '09:00-18:00' }),
      susp_blocks: h('input', { type: 'number', name: 'susp_blocks', min: 1, value: m.suspension ? m.suspension.blocks ?? '' : '' }),
      susp_window: h('input', { type: 'number', name: 'susp_window', min: 1, value: m.suspension ? m.suspension.window_s ?? '' : '' }),
    };
    f.greeting.value = m.greeting || '';
    f.closing.value = m.closing || '';
    f.allowed_origins.value = (m.allowed_origins || []).join('\n');
    f.official_contacts.value = m.official_contacts ? JSON.stringify(m.official_contacts, null, 1) : '';
    f.compliance.value = m.compliance ? JSON.stringify(m.compliance, null, 1) : '';
    const ths = ['first_s', 'reply_s', 'r3_s', 'r5_s'].map((k) => [k, h('input', { type: 'number', min: 1, step: 'any', name: k, value: th[k] ?? '', placeholder: { first_s: 60, reply_s: 30, r3_s: 180, r5_s: 300 }[k] })]);
    const days = [1, 2, 3, 4, 5, 6, 7].map((d) => [d, h('input', { type: 'checkbox', value: d, checked: sh ? (sh.days || [1, 2, 3, 4, 5, 6, 7]).includes(d) : d <= 5 })]);
    const result = h('div', { id: 'merchant-result' });

    const save = async (e) => {
      e.preventDefault();
      const out = {};
      try {
        if (creating) out.id = f.id.value.trim();
        out.name = f.name.value.trim();
        out.platform = f.platform.value;
        out.greeting = f.greeting.value;
        out.greeting_mode = f.greeting_mode.value;
        out.closing = f.closing.value;
        if (f.service_scope.value) out.service_scope = f.service_scope.value;
        out.allowed_origins = f.allowed_origins.value.split(/\s+/).map((x) => x.trim()).filter(Boolean);
        // The server merges thresholds into what is set: a field emptied here is sent as null
        // (back to the default), and none filled in drops the thresholds altogether.
        const thresholds = {};
        for (const [k, el] of ths) if (el.value !== '') thresholds[k] = Number(el.value);
        if (!Object.keys(thresholds).length) out.thresholds = creating ? undefined : null;
        else {
          if (!creating) for (const [k, el] of ths) if (el.value === '') thresholds[k] = null;
          out.thresholds = thresholds;
        }
        if (f.sh_on.checked) {
          const intervals = f.sh_intervals.value
            .split(/[,，]/)
            .map((x) => x.trim())
            .filter(Boolean)
            .map((x) => {
              const mm = /^(\d{2}:\d{2})\s*[-–~]\s*(\d{2}:\d{2})$/.exec(x);
              if (!mm) throw new Error(t('admin.bad_intervals'));
              return [mm[1], mm[2]];
            });
          out.service_hours = { utc_offset_min: Number(f.sh_offset.value) || 0, days: days.filter(([, el]) => el.checked).map(([d]) => d), intervals };
        } else if (!creating) out.service_hours = null;
        out.official_contacts = parseJson(f.official_contacts.value, t('admin.official_contacts'), creating);
        out.compliance = parseJson(f.compliance.value, t('admin.compliance'), creating);
        if (f.susp_blocks.value) {
          out.suspension = { blocks: Number(f.susp_blocks.value) };
          if (f.susp_window.value) out.suspension.window_s = Number(f.susp_window.value);
        } else if (!creating) out.suspension = null;
      } catch (ex) {
        replace(result, h('p', { class: 'msgbox error' }, ex.message));
        return;
      }
      for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
      try {
        const saved = creating ? await post('/api/merchants', out) : await patch(`/api/merchants/${encodeURIComponent(m.id)}`, out);
        editing = { kind: 'merchant', item: saved };
        await load();
        ctx.toast(creating ? t('admin.created') : t('admin.saved'), 'ok');
      } catch (ex) {
        replace(result, h('p', { class: 'msgbox error', id: 'merchant-error' }, ex.message));
      }
    };

    return h(
      'form',
      { class: 'edit-form', id: 'merchant-form', onsubmit: save },
      h('h2', null, creating ? t('admin.new_merchant') : `${m.name} (${m.id})`),
      h('div', { class: 'form-row' }, h('label', null, t('admin.id'), f.id), h('label', null, t('admin.name'), f.name)),
      h('div', { class: 'form-row' }, h('label', null, t('admin.platform'), f.platform), h('label', null, t('admin.service_scope'), f.service_scope)),
      h('label', null, `${t('admin.greeting')} — ${t('admin.greeting_help')}`, f.greeting),
      h('label', null, t('admin.greeting_mode'), f.greeting_mode),
      h('label', null, t('admin.closing'), f.closing),
      h('fieldset', null, h('legend', null, t('admin.thresholds')), ths.map(([k, el]) => h('label', null, t(`admin.th.${k}`), el))),
      h(
        'fieldset',
        null,
        h('legend', null, t('admin.service_hours')),
        h('label', { class: 'inline' }, f.sh_on, ' ', t('admin.sh_enabled')),
        h('label', null, t('admin.sh_offset'), f.sh_offset),
        h('div', { class: 'wide' }, h('div', { class: 'muted small' }, t('admin.sh_days')), h('div', { class: 'days' }, days.map(([d, el]) => h('label', null, el, t(`admin.day.${d}`))))),
        h('label', { class: 'wide' }, t('admin.sh_intervals'), f.sh_intervals),
      ),
      h('label', null, t('admin.allowed_origins'), f.allowed_origins),
      h('fieldset', null, h('legend', null, t('admin.suspension')), h('label', null, 'N', f.susp_blocks), h('label', null, 's', f.susp_window)),
      h('label', null, t('admin.compliance'), f.compliance),
      h('label', null, t('admin.official_contacts'), f.official_contacts),
      m.channel_key ? h('div', { class: 'small' }, `${t('admin.channel_key')}: `, secret(m.channel_key)) : null,
      h('div', { class: 'form-row' }, h('button', { type: 'submit', class: 'primary', id: 'merchant-save' }, creating ? t('app.create') : t('app.save')), h('button', { type: 'button', onclick: () => { editing = null; render(); } }, t('app.cancel'))),
      result,
    );
  }

  function parseJson(text, field, creating) {
    if (!text.trim()) return creating ? undefined : null;
    try {
      return JSON.parse(text);
    } catch {
      throw new Error(t('admin.bad_json', { field }));
    }
  }

  // ------------------------------------------------------------- agents
  function renderAgents() {
    const table = h(
      'table',
      { id: 'agent-table' },
      h('thead', null, h('tr', null, ['admin.id', 'admin.name', 'admin.role', 'admin.merchants', 'admin.capacity'].map((k) => h('th', null, t(k))))),
      h(
        'tbody',
        null,
        agents.map((a) =>
          h(
            'tr',
            { class: `clickable${editing && editing.item && editing.item.id === a.id ? ' selected' : ''}`, dataset: { id: a.id }, onclick: () => { editing = { kind: 'agent', item: a }; render(); } },
            h('td', { class: 'key' }, a.id),
            h('td', null, a.name),
            h('td', null, t(`role.${a.role}`)),
            h('td', null, (a.merchants || []).join(', ')),
            h('td', { class: 'num' }, a.capacity),
          ),
        ),
      ),
    );
    replace(
      body,
      h(
        'div',
        { class: 'admin-layout' },
        h('section', { class: 'card' }, h('h2', null, t('admin.agents'), h('span', { class: 'spacer' }), h('button', { type: 'button', id: 'new-agent', onclick: () => { editing = { kind: 'agent', item: null }; render(); } }, t('admin.new_agent'))), table),
        editing && editing.kind === 'agent' ? h('section', { class: 'card' }, agentForm(editing.item)) : null,
      ),
    );
  }

  function agentForm(a) {
    const creating = !a;
    a = a || { role: 'agent', merchants: [], capacity: 5 };
    const f = {
      id: h('input', { name: 'id', required: true, value: a.id || '', disabled: !creating }),
      name: h('input', { name: 'name', value: a.name || '' }),
      password: h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 8, required: creating }),
      role: h('select', { name: 'role' }, ['agent', 'qa', 'manager', 'admin'].map((r) => h('option', { value: r, selected: a.role === r }, t(`role.${r}`)))),
      merchants: h('input', { name: 'merchants', value: (a.merchants || []).join(', '), list: 'merchant-ids' }),
      capacity: h('input', { name: 'capacity', type: 'number', min: 0, max: 100, value: a.capacity ?? 5 }),
    };
    const result = h('div', { id: 'agent-result' });
    const save = async (e) => {
      e.preventDefault();
      const out = {
        name: f.name.value.trim() || undefined,
        role: f.role.value,
        merchants: f.merchants.value.split(/[,，\s]+/).map((x) => x.trim()).filter(Boolean),
        capacity: Number(f.capacity.value) || 0,
      };
      if (creating) out.id = f.id.value.trim();
      if (f.password.value) out.password = f.password.value;
      for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
      try {
        const saved = creating ? await post('/api/agents', out) : await patch(`/api/agents/${encodeURIComponent(a.id)}`, out);
        editing = { kind: 'agent', item: saved };
        await load();
        ctx.toast(creating ? t('admin.created') : t('admin.saved'), 'ok');
      } catch (ex) {
        replace(result, h('p', { class: 'msgbox error', id: 'agent-error' }, ex.message));
      }
    };
    return h(
      'form',
      { class: 'edit-form', id: 'agent-form', onsubmit: save },
      h('h2', null, creating ? t('admin.new_agent') : `${a.name} (${a.id})`),
      h('div', { class: 'form-row' }, h('label', null, t('admin.id'), f.id), h('label', null, t('admin.name'), f.name)),
      h('div', { class: 'form-row' }, h('label', null, t('admin.role'), f.role), h('label', null, t('admin.capacity'), f.capacity)),
      h('label', null, t('admin.merchants_of'), f.merchants),
      h('datalist', { id: 'merchant-ids' }, h('option', { value: '*' }), [...ctx.merchants.keys()].map((id) => h('option', { value: id }))),
      h('label', null, creating ? t('admin.password') : t('admin.password_new'), f.password),
      h('div', { class: 'form-row' }, h('button', { type: 'submit', class: 'primary', id: 'agent-save' }, creating ? t('app.create') : t('app.save')), h('button', { type: 'button', onclick: () => { editing = null; render(); } }, t('app.cancel'))),
      result,
    );
  }

  // -------------------------------------------------------- suspensions
  function renderSuspensions() {
    const agentIn = h('input', { id: 'unsuspend-agent', required: true });
    const merchantIn = h('select', { id: 'unsuspend-merchant' }, [...ctx.merchants.values()].map((m) => h('option', { value: m.id }, `${m.name} (${m.id})`)));
    const lift = async (agent, merchant) => {
      try {
        await post(`/api/agents/${encodeURIComponent(agent)}/unsuspend`, { merchant });
        ctx.toast(t('board.unsuspended', { agent, merchant }), 'ok');
        suspendedRows = await readSuspensions();
        render();
      } catch (e) {
        ctx.toast(e.message, 'error');
      }
    };
    replace(
      body,
      h(
        'section',
        { class: 'card' },
        h('h2', null, t('admin.suspensions'), h('span', { class: 'spacer' }), h('button', { type: 'button', onclick: load }, t('app.refresh'))),
        suspendedRows.length
          ? h(
              'table',
              { id: 'suspension-table' },
              h('tbody', null, suspendedRows.map((r) => h('tr', null, h('td', null, `${r.name} (${r.agent})`), h('td', null, (ctx.merchants.get(r.merchant) || {}).name || r.merchant), h('td', null, h('button', { type: 'button', onclick: () => lift(r.agent, r.merchant) }, t('board.unsuspend')))))),
            )
          : h('p', { class: 'muted' }, t('admin.no_suspensions')),
        h('h3', null, t('admin.unsuspend_form')),
        h('form', { class: 'form-row', onsubmit: (e) => (e.preventDefault(), lift(agentIn.value.trim(), merchantIn.value)) }, h('label', null, t('admin.unsuspend_agent'), agentIn), h('label', null, t('admin.unsuspend_merchant'), merchantIn), h('button', { type: 'submit' }, t('board.unsuspend'))),
      ),
    );
  }

  const offLang = onLang(layout);
  layout();
  load();

  return {
    show() {},
    destroy() {
      offLang();
    },
  };
}
