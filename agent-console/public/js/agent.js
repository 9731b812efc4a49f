// The agent workspace: held chats with live SLA countdowns, the conversation,
// and a composer that checks compliance as the agent types.

import { h, append, clear, replace, debounce, newId, fmtTime, fmtDuration } from './dom.js';
import { t, onLang } from './i18n.js';
import { Socket, get, post } from './api.js';
import { markedText, segments, severity, spliceCodePoints, unitIndex } from './text.js';
import { chime, notify } from './sound.js';
import { PHRASES } from './phrases.js';
import { categoryName, describeViolation } from './verdicts.js';

const CHECK_DELAY_MS = 250;
const SOON_MS = 10_000;
const ENDED_KEEP_MS = 5 * 60_000;

export function mountAgent(root, ctx) {
  const chats = new Map(); // id -> chat state
  const order = []; // chat ids in the order they came
  const outbox = new Map(); // client id -> {frame, chat, kind}
  const suspended = new Map(); // merchant -> reason
  const serverSamples = [];
  let skew = 0; // server clock - local clock, ms
  let active = null;
  let desired = sessionStorage.getItem('kefu.agent.status') || 'away';
  let serverStatus = 'away';
  let hello = false; // waiting for the first status frame of a connection
  let reassigned = new Set();
  let lastCheck = { text: null, verdict: null, pending: false, error: null };
  let checkAbort = null;
  let transferOpen = false;
  let agentIds = [];

  // ------------------------------------------------------------- layout
  const listEl = h('ul', { class: 'chat-list', id: 'chat-list', role: 'listbox', 'aria-label': t('agent.chats') });
  const listEmpty = h('p', { class: 'empty small', id: 'chat-list-empty' });
  const listHead = h('div', { class: 'pane-head' });
  const titleEl = h('div', { class: 'conv-title', id: 'conv-title' });
  const headChip = h('span', { class: 'clock big', id: 'conv-clock', hidden: true });
  const transferInput = h('input', { id: 'transfer-to', list: 'transfer-agents', autocomplete: 'off', required: true });
  const transferList = h('datalist', { id: 'transfer-agents' });
  const transferForm = h('form', { class: 'transfer', id: 'transfer-form', hidden: true });
  const transferBtn = h('button', { type: 'button', id: 'transfer-btn', class: 'ghost' });
  const closeBtn = h('button', { type: 'button', id: 'close-chat', class: 'ghost danger' });
  const convNotice = h('p', { class: 'notice', id: 'conv-notice', role: 'status' });
  const banners = h('div', { class: 'banners', id: 'banners' });
  const messagesEl = h('ol', { class: 'messages', id: 'messages', 'aria-live': 'polite' });
  const backdropText = h('div', { class: 'backdrop-text' });
  const backdrop = h('div', { class: 'backdrop', 'aria-hidden': 'true' }, backdropText);
  const textarea = h('textarea', { id: 'composer-text', rows: 3, autocomplete: 'off', spellcheck: 'false' });
  const hintEl = h('div', { class: 'hint', id: 'hint', role: 'status', hidden: true });
  const sendBtn = h('button', { type: 'submit', class: 'primary', id: 'send' });
  const counter = h('span', { class: 'muted small', id: 'counter' });
  const quickBar = h('div', { class: 'quick-bar', id: 'quick-bar' });
  const phraseList = h('ul', { class: 'phrases', id: 'phrases' });
  const infoEl = h('dl', { class: 'info', id: 'chat-info' });
  const keysEl = h('dl', { class: 'keys' });
  const form = h(
    'form',
    { class: 'composer', id: 'composer' },
    quickBar,
    h('div', { class: 'editor' }, backdrop, textarea),
    hintEl,
    h('div', { class: 'composer-actions' }, counter, h('span', { class: 'spacer' }), sendBtn),
  );
  const conv = h(
    'section',
    { class: 'conversation', id: 'conversation' },
    h('div', { class: 'conv-head' }, titleEl, headChip, h('span', { class: 'spacer' }), transferBtn, closeBtn),
    transferForm,
    convNotice,
    banners,
    messagesEl,
    form,
  );
  const side = h(
    'aside',
    { class: 'side' },
    h('h3', { dataset: { key: 'agent.chat_info' } }, t('agent.chat_info')),
    infoEl,
    h('h3', { dataset: { key: 'agent.phrases' } }, t('agent.phrases')),
    phraseList,
    h('h3', { dataset: { key: 'agent.shortcuts' } }, t('agent.shortcuts')),
    keysEl,
  );
  const layout = h(
    'div',
    { class: 'agent-layout' },
    h('aside', { class: 'chats-pane' }, listHead, listEl, listEmpty),
    conv,
    side,
  );
  replace(root, layout);

  // -------------------------------------------------------------- socket
  const setConn = (s) => ctx.setConnection(s);
  const socket = new Socket('/ws/agent', {
    onState: (s) => {
      setConn(s);
      if (s === 'closed') {
        // Remember where each chat stood, to resume from there.
        for (const chat of chats.values()) if (chat.resumeFrom === undefined) chat.resumeFrom = chat.lastSeq;
        ctx.checkSession();
      }
      if (s === 'open') {
        hello = true;
        reassigned = new Set();
      }
    },
    onFrame: (f) => onFrame(f),
  });

  function send(frame) {
    return socket.send(frame);
  }

  // ------------------------------------------------------------- frames
  function onFrame(f) {
    switch (f.type) {
      case 'assigned':
        return onAssigned(f.chat);
      case 'message':
        return onMessage(f);
      case 'ack':
        return onAck(f);
      case 'blocked':
        return onBlocked(f);
      case 'warning':
        return onWarning(f);
      case 'clock':
        return onClock(f);
      case 'sla':
        return onSla(f);
      case 'unassigned':
        return onUnassigned(f);
      case 'status':
        return onStatus(f);
      case 'suspended':
        suspended.set(f.merchant, f.reason || '');
        ctx.toast(t('agent.suspended_toast', { merchant: merchantName(f.merchant) }), 'error');
        return renderAll();
      case 'unsuspended':
        suspended.delete(f.merchant);
        ctx.toast(t('agent.unsuspended_toast', { merchant: merchantName(f.merchant) }), 'ok');
        return renderAll();
      case 'error':
        return onError(f);
      default:
    }
  }

  function newChat(c) {
    return {
      id: c.id,
      merchant: c.merchant,
      buyer: c.buyer,
      opened: c.opened,
      messages: new Map(),
      pending: new Map(),
      notes: [],
      lastSeq: 0,
      clock: null,
      warned: new Set(),
      unread: 0,
      buyerWarning: null,
      ended: null,
      endedAt: 0,
      draft: '',
      lastText: '',
      lastTs: c.opened || 0,
    };
  }

  function onAssigned(c) {
    if (!c || !c.id) return;
    let chat = chats.get(c.id);
    const fresh = !chat || chat.ended;
    if (!chat) {
      chat = newChat(c);
      chats.set(c.id, chat);
      order.push(c.id);
    } else if (chat.ended) {
      chat.ended = null; // transferred back to us
    }
    reassigned.add(c.id);
    for (const m of c.history || []) {
      const added = addMessage(chat, m, false);
      if (added && fresh && !hello && m.from === 'buyer' && active) chat.unread++;
    }
    // Chats handed back after a reconnect are not news; new ones are.
    if (fresh && !hello) {
      chime('chat');
      notify(t('notify.new_chat'), `${merchantName(chat.merchant)} · ${chat.buyer}`, chat.id);
      ctx.toast(t('agent.new_chat', { buyer: chat.buyer, merchant: merchantName(chat.merchant) }), 'info');
    }
    if (!active) select(chat.id);
    else renderAll();
  }

  function addMessage(chat, m, live) {
    if (typeof m.seq !== 'number') return;
    const known = chat.messages.get(m.seq);
    const msg = {
      seq: m.seq,
      from: m.from,
      text: m.text,
      ts: m.ts,
      agent: m.agent,
      verdict: m.verdict || (known && known.verdict) || null,
    };
    chat.messages.set(m.seq, msg);
    chat.lastSeq = Math.max(chat.lastSeq, m.seq);
    if (!known && m.ts >= chat.lastTs) {
      chat.lastTs = m.ts;
      chat.lastText = m.text;
      chat.lastFrom = m.from;
    }
    if (live && !known && m.from === 'buyer') {
      noteServerTime(m.ts);
      if (chat.id !== active || document.visibilityState !== 'visible') {
        chat.unread++;
        updateTitle();
      }
    }
    return !known;
  }

  function onMessage(f) {
    const chat = chats.get(f.chat);
    if (!chat) return;
    const added = addMessage(chat, f, true);
    if (added) renderChat(chat);
  }

  function onAck(f) {
    const entry = outbox.get(f.id);
    if (!entry) return;
    outbox.delete(f.id);
    const chat = chats.get(entry.chat);
    if (entry.kind === 'send' && chat) {
      const p = chat.pending.get(f.id);
      chat.pending.delete(f.id);
      if (typeof f.seq === 'number' && p) {
        addMessage(chat, { seq: f.seq, from: 'agent', text: p.text, ts: p.ts, agent: ctx.user.id, verdict: p.verdict }, false);
        const m = chat.messages.get(f.seq);
        if (m && !m.verdict && p.verdict && p.verdict.violations && p.verdict.violations.length) m.verdict = p.verdict;
      }
      renderChat(chat);
    } else if (entry.kind === 'transfer' && chat) {
      showNotice(t('agent.transferred', { to: entry.frame.to }), 'ok');
    } else if (entry.kind === 'close' && chat) {
      showNotice(t('agent.closed_ok'), 'ok');
    }
  }

  function onBlocked(f) {
    const entry = outbox.get(f.id);
    outbox.delete(f.id);
    const chat = chats.get(f.chat || (entry && entry.chat));
    if (!chat) return;
    const p = chat.pending.get(f.id);
    if (p) {
      p.state = 'blocked';
      p.verdict = f.verdict || p.verdict;
    } else {
      chat.pending.set(f.id, { id: f.id, text: '', ts: serverNow(), state: 'blocked', verdict: f.verdict });
    }
    if (chat.id === active) ctx.toast(t('agent.blocked_toast'), 'error');
    renderChat(chat);
  }

  function onWarning(f) {
    const chat = chats.get(f.chat);
    if (!chat) return;
    const m = chat.messages.get(f.seq);
    if (m && f.verdict) m.verdict = f.verdict;
    chat.buyerWarning = { seq: f.seq, verdict: f.verdict, at: serverNow() };
    chime('alert');
    renderChat(chat);
  }

  function onClock(f) {
    const chat = chats.get(f.chat);
    if (!chat) return;
    if (f.deadlines) {
      chat.clock = { turn_started: f.turn_started, deadlines: f.deadlines };
      noteServerTime(f.turn_started, true);
    } else {
      chat.clock = null;
      chat.warned.clear();
    }
    renderList();
    tick();
  }

  function onSla(f) {
    const chat = chats.get(f.chat);
    if (!chat) return;
    if (f.kind === 'warning') {
      chat.warned.add(f.threshold);
      if (chat.id !== active) chime('alert');
    } else if (f.kind === 'miss') {
      chat.notes.push({ ts: f.at || serverNow(), kind: 'miss', text: t('agent.miss_note', { what: thresholdName(chat, f.threshold) }) });
      chime('alert');
      renderChat(chat);
    }
    tick();
  }

  function endChat(chat, reason) {
    chat.ended = reason || 'closed';
    chat.endedAt = Date.now();
    chat.clock = null;
    for (const p of chat.pending.values()) if (p.state === 'sending') p.state = 'failed';
    for (const [id, e] of outbox) if (e.chat === chat.id && e.kind === 'send') outbox.delete(id);
    if (chat.id === active) closeTransfer();
  }

  function onUnassigned(f) {
    const chat = chats.get(f.chat);
    if (!chat) return;
    endChat(chat, f.reason);
    renderChat(chat);
  }

  function onStatus(f) {
    serverStatus = f.status;
    if (hello) {
      hello = false;
      // Chats we knew that did not come back were re-routed while we were away.
      for (const chat of chats.values()) {
        const from = chat.resumeFrom ?? chat.lastSeq;
        delete chat.resumeFrom;
        if (chat.ended) continue;
        if (!reassigned.has(chat.id)) {
          endChat(chat, 'grace');
          continue;
        }
        // Everything delivered after the last message we had; duplicates merge by seq.
        send({ type: 'resume', chat: chat.id, after: from });
      }
      // Frames sent but not acknowledged go again under the same id: the
      // server answers a repeat with the original ack, so nothing doubles.
      for (const [id, e] of outbox) {
        const chat = chats.get(e.chat);
        if (chat && !chat.ended) send(e.frame);
        else outbox.delete(id);
      }
      // The status the agent chose wins over what the server kept or reset.
      desired = sessionStorage.getItem('kefu.agent.status') || desired;
      if (desired !== serverStatus) send({ type: 'status', status: desired });
      renderAll();
    }
    ctx.setStatus(serverStatus);
  }

  function onError(f) {
    const entry = f.id ? outbox.get(f.id) : null;
    if (!entry) {
      if (f.code === 'resync') {
        for (const chat of chats.values()) if (!chat.ended) send({ type: 'resume', chat: chat.id, after: 0 });
        return;
      }
      if (f.code !== 'rate_limited') ctx.toast(`${t('err.server')}: ${f.message || f.code}`, 'error');
      return;
    }
    const chat = chats.get(entry.chat);
    if (f.code === 'unavailable' || f.code === 'rate_limited') {
      // Not stored: the same id is safe to send again.
      if (!entry.retried) {
        entry.retried = true;
        setTimeout(() => outbox.has(f.id) && send(entry.frame), 1000);
        return;
      }
    }
    outbox.delete(f.id);
    if (entry.kind === 'send' && chat) {
      const p = chat.pending.get(f.id);
      if (p) {
        p.state = 'failed';
        p.error = errorText(f);
      }
      if (f.code === 'suspended') suspended.set(chat.merchant, f.message || '');
      renderChat(chat);
    } else {
      showNotice(errorText(f), 'error');
    }
  }

  function errorText(f) {
    const key = `wserr.${f.code}`;
    const s = t(key);
    return s === key ? f.message || f.code : s;
  }

  // -------------------------------------------------------- server clock
  // Deadlines are the server's wall-clock instants; estimate the offset from
  // live frames (the largest recent sample is the least delayed one).
  function noteServerTime(ts, weak) {
    if (typeof ts !== 'number') return;
    const sample = ts - Date.now();
    if (Math.abs(sample) > 6 * 3600_000) return;
    if (weak && Math.abs(sample) > 5000) return;
    serverSamples.push(sample);
    if (serverSamples.length > 20) serverSamples.shift();
    skew = Math.max(...serverSamples);
    if (Math.abs(skew) < 250) skew = 0;
  }
  const serverNow = () => Date.now() + skew;

  // --------------------------------------------------------------- clock
  function thresholdSeconds(chat, which) {
    const m = ctx.merchants.get(chat.merchant);
    const th = (m && m.thresholds) || {};
    const def = { first: 60, reply: 30, r3: 180, r5: 300 };
    const key = { first: 'first_s', reply: 'reply_s', r3: 'r3_s', r5: 'r5_s' }[which];
    return th[key] || def[which];
  }

  function thresholdName(chat, which) {
    const s = thresholdSeconds(chat, which);
    const span = s % 60 === 0 && s >= 120 ? t('unit.min', { n: s / 60 }) : t('unit.sec', { n: s });
    return t(`th.${which}`, { span });
  }

  // {cls, text, title} for a chat's current turn.
  function clockView(chat, now) {
    if (chat.ended) return { cls: 'ended', text: t(`ended.short.${chat.ended}`) || t('ended.short.closed') };
    const c = chat.clock;
    if (!c || !c.deadlines) return { cls: 'idle', text: t('clock.answered') };
    const list = ['reply', 'first', 'r3', 'r5']
      .filter((k) => typeof c.deadlines[k] === 'number')
      .map((k) => [k, c.deadlines[k]])
      .sort((a, b) => a[1] - b[1]);
    const passed = new Set(list.filter(([, v]) => v <= now).map(([k]) => k));
    const next = list.find(([, v]) => v > now);
    let cls = 'ok';
    if (passed.has('r5')) cls = 'late5';
    else if (passed.has('r3')) cls = 'late3';
    else if (passed.has('first')) cls = 'late60';
    else if (passed.has('reply')) cls = 'late30';
    else if ((next && next[1] - now <= SOON_MS) || chat.warned.size) cls = 'soon';
    const text = next
      ? t('clock.left', { what: thresholdName(chat, next[0]), left: fmtDuration(next[1] - now + 999) })
      : t('clock.over', { elapsed: fmtDuration(now - c.turn_started) });
    const title = list.map(([k, v]) => `${thresholdName(chat, k)}: ${fmtTime(v)}${passed.has(k) ? ' ✗' : ''}`).join('\n');
    return { cls, text, title };
  }

  function paintChip(el, view) {
    el.className = `clock ${el.classList.contains('big') ? 'big ' : ''}c-${view.cls}`;
    el.textContent = view.text;
    el.title = view.title || '';
    el.dataset.state = view.cls;
  }

  function tick() {
    const now = serverNow();
    for (const el of listEl.querySelectorAll('.clock[data-chat]')) {
      const chat = chats.get(el.dataset.chat);
      if (chat) paintChip(el, clockView(chat, now));
    }
    const chat = active && chats.get(active);
    if (chat) {
      headChip.hidden = false;
      paintChip(headChip, clockView(chat, now));
    } else {
      headChip.hidden = true;
    }
    // Ended chats leave the list after a while unless open.
    for (const id of [...order]) {
      const c = chats.get(id);
      if (c && c.ended && id !== active && Date.now() - c.endedAt > ENDED_KEEP_MS) dropChat(id);
    }
  }
  const ticker = setInterval(tick, 250);

  // -------------------------------------------------------------- render
  function merchantName(id) {
    const m = ctx.merchants.get(id);
    return (m && m.name) || id;
  }

  function renderAll() {
    renderList();
    renderConversation();
    renderSide();
    tick();
  }

  function renderChat(chat) {
    renderList();
    if (chat.id === active) renderConversation();
    tick();
  }

  function renderList() {
    const held = order.filter((id) => !chats.get(id).ended).length;
    const cap = ctx.user.capacity;
    replace(
      listHead,
      h('h2', null, t('agent.chats')),
      h('span', { class: 'muted small', id: 'held-count' }, cap ? `${held}/${cap}` : String(held)),
    );
    clear(listEl);
    order.forEach((id, i) => {
      const chat = chats.get(id);
      const chip = h('span', { class: 'clock', dataset: { chat: id } });
      const item = h(
        'li',
        {
          class: `chat-item${id === active ? ' active' : ''}${chat.ended ? ' ended' : ''}${chat.buyerWarning ? ' flagged' : ''}`,
          role: 'option',
          'aria-selected': id === active ? 'true' : 'false',
          dataset: { chat: id },
          tabindex: '0',
          title: i < 9 ? `Alt+${i + 1}` : undefined,
          onclick: () => select(id),
          onkeydown: (e) => e.key === 'Enter' && select(id),
        },
        h(
          'div',
          { class: 'row' },
          h('strong', { class: 'buyer' }, chat.buyer),
          chat.unread ? h('span', { class: 'badge', title: t('agent.unread') }, String(chat.unread)) : null,
          h('span', { class: 'spacer' }),
          chip,
        ),
        h(
          'div',
          { class: 'row muted small' },
          h('span', { class: 'merchant' }, merchantName(chat.merchant)),
          h('span', { class: 'spacer' }),
          chat.buyerWarning ? h('span', { class: 'flag', title: t('agent.buyer_warning_short') }, '⚠') : null,
        ),
        h('div', { class: 'preview muted small' }, chat.lastText ? (chat.lastFrom === 'buyer' ? '' : `${t('from.' + chat.lastFrom)}: `) + chat.lastText : ''),
      );
      listEl.appendChild(item);
    });
    listEmpty.textContent = desired === 'online' || serverStatus === 'online' ? t('agent.empty_online') : t('agent.empty_away');
    listEmpty.hidden = order.length > 0;
    updateTitle();
  }

  function updateTitle() {
    let unread = 0;
    for (const c of chats.values()) unread += c.unread;
    document.title = (unread ? `(${unread}) ` : '') + t('app.title');
  }

  function timeline(chat) {
    const items = [];
    for (const m of chat.messages.values()) items.push({ kind: 'msg', ts: m.ts, seq: m.seq, m });
    for (const n of chat.notes) items.push({ kind: 'note', ts: n.ts, seq: Infinity, n });
    items.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    for (const p of chat.pending.values()) items.push({ kind: 'pending', p });
    return items;
  }

  function renderMessage(m) {
    const cls = `msg from-${m.from}${m.verdict && m.verdict.violations && m.verdict.violations.length ? ' flagged' : ''}`;
    const body = h('div', { class: 'bubble' }, markedText(m.text, m.verdict, describeViolation));
    const meta = h('div', { class: 'meta' }, t(`from.${m.from}`), ' · ', fmtTime(m.ts), ` · #${m.seq}`);
    const extra = [];
    if (m.verdict && m.verdict.violations && m.verdict.violations.length) {
      extra.push(
        h(
          'div',
          { class: `verdict-note v-${m.verdict.action}` },
          m.verdict.violations.map((v) => categoryName(v.category)).join('、'),
        ),
      );
    }
    return h('li', { class: cls, dataset: { seq: m.seq } }, meta, body, extra);
  }

  function renderPending(chat, p) {
    const li = h('li', { class: `msg from-agent pending state-${p.state}`, dataset: { id: p.id } });
    const meta = h('div', { class: 'meta' }, t('from.agent'), ' · ', t(`pending.${p.state}`));
    const body = h('div', { class: 'bubble' }, markedText(p.text, p.verdict, describeViolation));
    append(li, [meta, body]);
    if (p.state === 'blocked') {
      const reasons = (p.verdict && p.verdict.violations) || [];
      append(li, [
        h(
          'div',
          { class: 'blocked-why', role: 'alert' },
          h('strong', null, t('agent.blocked_title')),
          h('ul', null, reasons.map((v) => h('li', null, describeViolation(v)))),
          h('button', { type: 'button', class: 'link', onclick: () => editAgain(chat, p) }, t('agent.edit_again')),
        ),
      ]);
    } else if (p.state === 'failed') {
      append(li, [
        h(
          'div',
          { class: 'blocked-why' },
          p.error || t('pending.failed'),
          ' ',
          chat.ended ? null : h('button', { type: 'button', class: 'link', onclick: () => retry(chat, p) }, t('agent.retry')),
          h('button', { type: 'button', class: 'link', onclick: () => editAgain(chat, p) }, t('agent.edit_again')),
        ),
      ]);
    }
    return li;
  }

  function renderConversation() {
    const chat = active && chats.get(active);
    const disabled = !chat || !!chat.ended || suspended.has(chat && chat.merchant);
    textarea.disabled = !chat || !!chat.ended;
    sendBtn.disabled = disabled;
    transferBtn.disabled = !chat || !!chat.ended;
    closeBtn.disabled = !chat || !!chat.ended;
    transferBtn.textContent = t('agent.transfer');
    closeBtn.textContent = t('agent.close');
    sendBtn.textContent = t('agent.send');
    sendBtn.title = 'Ctrl+Enter';
    textarea.placeholder = chat ? t('agent.composer_ph') : t('agent.pick_chat');
    renderQuickBar(chat);
    clear(banners);
    if (!chat) {
      replace(titleEl, h('span', { class: 'muted' }, t('agent.pick_chat')));
      clear(messagesEl);
      hintEl.hidden = true;
      return;
    }
    replace(
      titleEl,
      h('strong', null, chat.buyer),
      h('span', { class: 'muted' }, ` · ${merchantName(chat.merchant)}`),
      h('span', { class: 'muted small chat-id' }, ` ${chat.id}`),
    );
    if (suspended.has(chat.merchant))
      banners.appendChild(h('div', { class: 'banner error', id: 'banner-suspended' }, t('agent.suspended_banner', { merchant: merchantName(chat.merchant) })));
    if (chat.buyerWarning && !chat.ended) {
      const v = chat.buyerWarning.verdict;
      const cats = v && v.violations ? [...new Set(v.violations.map((x) => categoryName(x.category)))].join('、') : '';
      banners.appendChild(
        h(
          'div',
          { class: 'banner warn', id: 'banner-warning' },
          h('strong', null, t('agent.buyer_warning', { cats })),
          ' ',
          t('agent.buyer_warning_help'),
          ' ',
          h('button', { type: 'button', class: 'link', onclick: () => insertText(PHRASES.find((p) => p.group === 'rules').text) }, t('agent.insert_rules_phrase')),
          h('button', { type: 'button', class: 'link', onclick: () => { chat.buyerWarning = null; renderChat(chat); } }, t('app.dismiss')),
        ),
      );
    }
    if (chat.ended) {
      banners.appendChild(
        h(
          'div',
          { class: 'banner info', id: 'banner-ended' },
          t(`ended.${chat.ended}`) || t('ended.closed'),
          ' ',
          h('button', { type: 'button', class: 'link', onclick: () => dropChat(chat.id) }, t('agent.remove_chat')),
        ),
      );
    }
    const atBottom = messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 60;
    clear(messagesEl);
    for (const it of timeline(chat)) {
      if (it.kind === 'msg') messagesEl.appendChild(renderMessage(it.m));
      else if (it.kind === 'note') messagesEl.appendChild(h('li', { class: `note note-${it.n.kind}` }, `${fmtTime(it.n.ts)} ${it.n.text}`));
      else messagesEl.appendChild(renderPending(chat, it.p));
    }
    if (atBottom || chat.scrollToEnd) messagesEl.scrollTop = messagesEl.scrollHeight;
    chat.scrollToEnd = false;
    renderSide();
  }

  function renderQuickBar(chat) {
    const m = chat && ctx.merchants.get(chat.merchant);
    replace(
      quickBar,
      h('button', { type: 'button', class: 'chip-btn', id: 'qr-greeting', disabled: !chat || !m || !m.greeting, title: 'Alt+G', onclick: () => insertGreeting() }, t('agent.greeting')),
      h('button', { type: 'button', class: 'chip-btn', id: 'qr-closing', disabled: !chat || !m || !m.closing, title: 'Alt+C', onclick: () => insertClosing() }, t('agent.closing')),
      PHRASES.slice(0, 3).map((p) => h('button', { type: 'button', class: 'chip-btn', disabled: !chat, onclick: () => insertText(p.text) }, p.text.length > 12 ? p.text.slice(0, 11) + '…' : p.text)),
    );
  }

  function renderSide() {
    const chat = active && chats.get(active);
    clear(infoEl);
    if (chat) {
      const m = ctx.merchants.get(chat.merchant) || {};
      const row = (k, v) => [h('dt', null, k), h('dd', null, v)];
      append(infoEl, [
        row(t('agent.info_buyer'), chat.buyer),
        row(t('agent.info_merchant'), `${merchantName(chat.merchant)} (${chat.merchant})`),
        row(t('agent.info_platform'), m.platform ? t(`platform.${m.platform}`) : '—'),
        row(t('agent.info_opened'), fmtTime(chat.opened)),
        row(t('agent.info_clocks'), ['reply', 'first', 'r3', 'r5'].map((k) => thresholdName(chat, k)).join(' / ')),
      ]);
    } else {
      infoEl.appendChild(h('dd', { class: 'muted' }, t('agent.pick_chat')));
    }
    clear(phraseList);
    for (const p of PHRASES)
      phraseList.appendChild(
        h('li', null, h('button', { type: 'button', class: 'phrase', disabled: !chat || !!chat.ended, onclick: () => insertText(p.text) }, p.text)),
      );
    const keys = [
      ['Enter / Ctrl+Enter', t('keys.send')],
      ['Shift+Enter', t('keys.newline')],
      ['Alt+↑ / Alt+↓', t('keys.switch')],
      ['Alt+1…9', t('keys.jump')],
      ['Alt+G / Alt+C', t('keys.greeting')],
      ['Esc', t('keys.esc')],
    ];
    replace(keysEl, keys.map(([k, v]) => [h('dt', null, h('kbd', null, k)), h('dd', null, v)]));
  }

  // ------------------------------------------------------------ actions
  function select(id) {
    const prev = active && chats.get(active);
    if (prev) prev.draft = textarea.value;
    active = id;
    const chat = chats.get(id);
    if (chat) {
      chat.unread = 0;
      chat.scrollToEnd = true;
      textarea.value = chat.draft || '';
    }
    closeTransfer();
    convNotice.textContent = '';
    lastCheck = { text: null, verdict: null, pending: false, error: null };
    renderAll();
    paintComposer();
    scheduleCheck();
    if (chat && !chat.ended) textarea.focus();
  }

  function dropChat(id) {
    const i = order.indexOf(id);
    if (i >= 0) order.splice(i, 1);
    chats.delete(id);
    if (active === id) {
      active = null;
      const next = order[Math.min(i, order.length - 1)];
      if (next) return select(next);
    }
    renderAll();
  }

  function move(delta) {
    if (!order.length) return;
    const i = active ? order.indexOf(active) : -1;
    const n = (i + delta + order.length) % order.length;
    select(order[n]);
  }

  function insertText(text) {
    const chat = active && chats.get(active);
    if (!chat || chat.ended) return;
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const v = textarea.value;
    textarea.value = v.slice(0, start) + text + v.slice(end);
    const caret = start + text.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    onInput();
  }

  function fill(template, chat) {
    const m = ctx.merchants.get(chat.merchant) || {};
    return String(template || '')
      .replaceAll('{merchant}', m.name || chat.merchant)
      .replaceAll('{agent}', ctx.user.name || ctx.user.id);
  }

  function insertGreeting() {
    const chat = active && chats.get(active);
    const m = chat && ctx.merchants.get(chat.merchant);
    if (m && m.greeting) insertText(fill(m.greeting, chat));
  }

  function insertClosing() {
    const chat = active && chats.get(active);
    const m = chat && ctx.merchants.get(chat.merchant);
    if (m && m.closing) insertText(fill(m.closing, chat));
  }

  function editAgain(chat, p) {
    chat.pending.delete(p.id);
    if (chat.id !== active) select(chat.id);
    textarea.value = p.text;
    onInput();
    renderChat(chat);
    textarea.focus();
  }

  function retry(chat, p) {
    p.state = 'sending';
    p.error = null;
    const frame = { type: 'send', id: p.id, chat: chat.id, text: p.text };
    outbox.set(p.id, { frame, chat: chat.id, kind: 'send' });
    send(frame);
    renderChat(chat);
  }

  async function submit() {
    const chat = active && chats.get(active);
    if (!chat || chat.ended) return;
    const text = textarea.value;
    if (!text.trim()) return;
    if (suspended.has(chat.merchant)) {
      showNotice(t('agent.suspended_banner', { merchant: merchantName(chat.merchant) }), 'error');
      return;
    }
    let verdict = lastCheck.text === text && !lastCheck.pending ? lastCheck.verdict : null;
    if (!verdict) verdict = await checkNow(text, 1500);
    if (textarea.value !== text || active !== chat.id) return; // changed while we waited
    if (verdict && verdict.action === 'block') {
      hintEl.hidden = false;
      hintEl.classList.remove('shake');
      void hintEl.offsetWidth;
      hintEl.classList.add('shake');
      showNotice(t('agent.not_sent_blocked'), 'error');
      return;
    }
    const id = newId('a');
    const frame = { type: 'send', id, chat: chat.id, text };
    chat.pending.set(id, { id, text, ts: serverNow(), state: 'sending', verdict });
    outbox.set(id, { frame, chat: chat.id, kind: 'send' });
    send(frame); // if the socket is down, the outbox sends it on reconnect
    textarea.value = '';
    chat.draft = '';
    chat.scrollToEnd = true;
    convNotice.textContent = '';
    lastCheck = { text: '', verdict: null, pending: false, error: null };
    paintComposer();
    renderChat(chat);
  }

  function openTransfer() {
    const chat = active && chats.get(active);
    if (!chat || chat.ended) return;
    transferOpen = true;
    transferForm.hidden = false;
    replace(
      transferForm,
      h('label', null, t('agent.transfer_to'), ' ', transferInput),
      transferList,
      h('button', { type: 'submit', class: 'primary', id: 'transfer-go' }, t('agent.transfer_go')),
      h('button', { type: 'button', class: 'ghost', onclick: closeTransfer }, t('app.cancel')),
      h('span', { class: 'muted small' }, t('agent.transfer_help')),
    );
    const recent = JSON.parse(localStorage.getItem('kefu.transfer.recent') || '[]');
    const ids = [...new Set([...agentIds, ...recent])].filter((x) => x !== ctx.user.id);
    replace(transferList, ids.map((id) => h('option', { value: id })));
    transferInput.value = '';
    transferInput.focus();
  }

  function closeTransfer() {
    transferOpen = false;
    transferForm.hidden = true;
  }

  function doTransfer(to) {
    const chat = active && chats.get(active);
    if (!chat || chat.ended || !to) return;
    const id = newId('t');
    const frame = { type: 'transfer', id, chat: chat.id, to };
    outbox.set(id, { frame, chat: chat.id, kind: 'transfer' });
    send(frame);
    const recent = JSON.parse(localStorage.getItem('kefu.transfer.recent') || '[]').filter((x) => x !== to);
    recent.unshift(to);
    localStorage.setItem('kefu.transfer.recent', JSON.stringify(recent.slice(0, 10)));
    closeTransfer();
    showNotice(t('agent.transferring', { to }), 'info');
  }

  function doClose() {
    const chat = active && chats.get(active);
    if (!chat || chat.ended) return;
    const m = ctx.merchants.get(chat.merchant);
    const closing = m && m.closing ? fill(m.closing, chat) : '';
    const sentClosing = closing && [...chat.messages.values()].some((x) => x.from === 'agent' && x.text.includes(closing.slice(0, 6)));
    if (closing && !sentClosing && closeBtn.dataset.confirm !== '1') {
      closeBtn.dataset.confirm = '1';
      closeBtn.textContent = t('agent.close_confirm');
      showNotice(t('agent.close_no_closing'), 'warn');
      setTimeout(() => {
        delete closeBtn.dataset.confirm;
        closeBtn.textContent = t('agent.close');
      }, 4000);
      return;
    }
    delete closeBtn.dataset.confirm;
    const id = newId('x');
    const frame = { type: 'close', id, chat: chat.id };
    outbox.set(id, { frame, chat: chat.id, kind: 'close' });
    send(frame);
  }

  function showNotice(text, kind) {
    convNotice.textContent = text;
    convNotice.className = `notice ${kind || ''}`;
  }

  // ---------------------------------------------------------- compliance
  const scheduleCheck = debounce(() => runCheck(textarea.value), CHECK_DELAY_MS);

  function onInput() {
    const chat = active && chats.get(active);
    if (chat) chat.draft = textarea.value;
    if (lastCheck.text !== textarea.value) lastCheck = { text: null, verdict: null, pending: true, error: null };
    if (closeBtn.dataset.confirm) convNotice.textContent = '';
    paintComposer();
    scheduleCheck();
  }

  async function runCheck(text) {
    const chat = active && chats.get(active);
    if (!chat || !text.trim()) {
      lastCheck = { text, verdict: null, pending: false, error: null };
      return paintComposer();
    }
    if (checkAbort) checkAbort.abort();
    const abort = new AbortController();
    checkAbort = abort;
    lastCheck = { text, verdict: null, pending: true, error: null };
    try {
      const verdict = await post(
        '/api/compliance/check',
        { merchant: chat.merchant, role: 'agent', text, chat: chat.id },
        { signal: abort.signal },
      );
      if (textarea.value !== text) return verdict;
      lastCheck = { text, verdict, pending: false, error: null };
      paintComposer();
      return verdict;
    } catch (e) {
      if (e.name === 'AbortError') return null;
      if (textarea.value === text) {
        lastCheck = { text, verdict: null, pending: false, error: e.message };
        paintComposer();
      }
      return null;
    } finally {
      if (checkAbort === abort) checkAbort = null;
    }
  }

  async function checkNow(text, timeoutMs) {
    scheduleCheck.cancel();
    return Promise.race([runCheck(text), new Promise((r) => setTimeout(() => r(null), timeoutMs))]);
  }

  // Draws the marks behind the textarea and the hint under it.
  function paintComposer() {
    const text = textarea.value;
    const verdict = lastCheck.text === text ? lastCheck.verdict : null;
    const chat = active && chats.get(active);
    clear(backdropText);
    for (const seg of segments(text, verdict && verdict.violations)) {
      if (!seg.marks.length) backdropText.appendChild(document.createTextNode(seg.text));
      else {
        const sev = seg.marks.some((m) => severity(verdict, m) === 'block') ? 'block' : 'warn';
        backdropText.appendChild(h('mark', { class: `v-${sev}` }, seg.text));
      }
    }
    // A trailing newline needs a character after it to take up a line.
    backdropText.appendChild(document.createTextNode('\u200b'));
    syncScroll();
    counter.textContent = text ? t('agent.chars', { n: Array.from(text).length }) : '';
    form.classList.toggle('is-blocked', !!verdict && verdict.action === 'block');
    form.classList.toggle('is-warned', !!verdict && verdict.action === 'warn');
    sendBtn.disabled = !chat || !!chat.ended || suspended.has(chat && chat.merchant) || (!!verdict && verdict.action === 'block');
    if (!text.trim() || hintDismissed === text) {
      hintEl.hidden = true;
      return;
    }
    hintEl.hidden = false;
    hintEl.className = 'hint';
    if (lastCheck.error && lastCheck.text === text) {
      hintEl.classList.add('hint-muted');
      replace(hintEl, t('hint.unavailable'));
      return;
    }
    if (!verdict) {
      hintEl.classList.add('hint-muted');
      replace(hintEl, t('hint.checking'));
      return;
    }
    if (verdict.action === 'allow' || !verdict.violations || !verdict.violations.length) {
      hintEl.classList.add('hint-ok');
      replace(hintEl, '✓ ', t('hint.ok'));
      return;
    }
    hintEl.classList.add(verdict.action === 'block' ? 'hint-block' : 'hint-warn');
    hintEl.dataset.action = verdict.action;
    replace(
      hintEl,
      h('strong', { class: 'hint-title' }, verdict.action === 'block' ? t('hint.block_title') : t('hint.warn_title')),
      h('p', { class: 'hint-help' }, verdict.action === 'block' ? t('hint.block_help') : t('hint.warn_help')),
      h(
        'ul',
        null,
        verdict.violations.map((v) =>
          h(
            'li',
            { class: `v-${severity(verdict, v)}` },
            h('span', { class: 'cat' }, categoryName(v.category)),
            ' ',
            h('q', null, v.excerpt),
            ' ',
            h('span', { class: 'muted small' }, t(`why.${v.category}`) === `why.${v.category}` ? '' : t(`why.${v.category}`)),
            v.suggestion
              ? h(
                  'span',
                  { class: 'suggest' },
                  ' ',
                  t('hint.suggest'),
                  ' ',
                  h('q', null, v.suggestion),
                  ' ',
                  h('button', { type: 'button', class: 'link', onclick: () => applySuggestion(v) }, t('hint.apply')),
                )
              : null,
            ' ',
            h('button', { type: 'button', class: 'link', onclick: () => selectSpan(v) }, t('hint.locate')),
          ),
        ),
      ),
      h('p', { class: 'muted small' }, t('hint.esc')),
    );
  }

  let hintDismissed = null;

  function applySuggestion(v) {
    const text = textarea.value;
    textarea.value = spliceCodePoints(text, v.start, v.end, v.suggestion);
    const caret = unitIndex(textarea.value, v.start) + v.suggestion.length;
    textarea.focus();
    textarea.setSelectionRange(caret, caret);
    onInput();
  }

  function selectSpan(v) {
    const text = textarea.value;
    textarea.focus();
    textarea.setSelectionRange(unitIndex(text, v.start), unitIndex(text, v.end));
  }

  function syncScroll() {
    backdrop.scrollTop = textarea.scrollTop;
    backdrop.scrollLeft = textarea.scrollLeft;
  }

  // -------------------------------------------------------------- events
  textarea.addEventListener('input', () => {
    hintDismissed = null;
    onInput();
  });
  textarea.addEventListener('scroll', syncScroll);
  textarea.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter' || e.isComposing || e.keyCode === 229) return;
    if (e.shiftKey) return;
    e.preventDefault();
    submit();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  transferBtn.addEventListener('click', () => (transferOpen ? closeTransfer() : openTransfer()));
  transferForm.addEventListener('submit', (e) => {
    e.preventDefault();
    doTransfer(transferInput.value.trim());
  });
  closeBtn.addEventListener('click', doClose);

  function onKey(e) {
    if (root.hidden) return;
    if (e.altKey && (e.key === 'ArrowUp' || e.key === 'ArrowDown')) {
      e.preventDefault();
      move(e.key === 'ArrowUp' ? -1 : 1);
    } else if (e.altKey && /^[1-9]$/.test(e.key)) {
      const id = order[Number(e.key) - 1];
      if (id) {
        e.preventDefault();
        select(id);
      }
    } else if (e.altKey && (e.key === 'g' || e.key === 'G' || e.code === 'KeyG')) {
      e.preventDefault();
      insertGreeting();
    } else if (e.altKey && (e.key === 'c' || e.key === 'C' || e.code === 'KeyC')) {
      e.preventDefault();
      insertClosing();
    } else if (e.key === 'Escape') {
      if (transferOpen) closeTransfer();
      else if (!hintEl.hidden) {
        hintDismissed = textarea.value;
        hintEl.hidden = true;
      } else convNotice.textContent = '';
    }
  }
  document.addEventListener('keydown', onKey);

  function onVisible() {
    if (document.visibilityState === 'visible' && active) {
      const chat = chats.get(active);
      if (chat && chat.unread) {
        chat.unread = 0;
        renderList();
      }
    }
  }
  document.addEventListener('visibilitychange', onVisible);

  const offLang = onLang(() => {
    for (const el of side.querySelectorAll('h3[data-key]')) el.textContent = t(el.dataset.key);
    renderAll();
    paintComposer();
  });

  // Manager-side lists need rights agents lack: a failure leaves the field free text.
  get('/api/agents', { quiet401: true })
    .then((r) => {
      agentIds = (r.agents || []).filter((a) => a.role === 'agent').map((a) => a.id);
    })
    .catch(() => {});

  renderAll();
  paintComposer();

  // ---------------------------------------------------------------- api
  return {
    setStatus(status) {
      desired = status;
      sessionStorage.setItem('kefu.agent.status', status);
      send({ type: 'status', status });
      renderList();
    },
    show() {
      renderAll();
    },
    destroy() {
      clearInterval(ticker);
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('visibilitychange', onVisible);
      offLang();
      socket.stop();
    },
    // For tests and support: drop the socket to exercise reconnect.
    reconnect() {
      socket.drop();
    },
  };
}
