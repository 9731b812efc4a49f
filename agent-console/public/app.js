'use strict';
// A minimal agent workspace: log in, go online, answer chats over /ws/agent.
const $ = (s) => document.querySelector(s);
const state = { chats: new Map(), current: null, ws: null, nextId: 1, pending: new Map() };

async function api(path, body) {
  const res = await fetch(path, {
    method: body ? 'POST' : 'GET',
    headers: body ? { 'Content-Type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    credentials: 'same-origin',
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((data.error && data.error.message) || res.statusText);
  return data;
}

function fmt(ts) { return new Date(ts).toLocaleTimeString('zh-CN'); }

function renderChats() {
  const ul = $('#chats');
  ul.innerHTML = '';
  for (const c of state.chats.values()) {
    const li = document.createElement('li');
    li.textContent = `${c.buyer}（${c.merchant}）`;
    if (c.unread) {
      const b = document.createElement('span');
      b.className = 'unread';
      b.textContent = c.unread;
      li.appendChild(b);
    }
    if (c.id === state.current) li.className = 'active';
    li.onclick = () => { state.current = c.id; c.unread = 0; render(); };
    ul.appendChild(li);
  }
}

function renderMessages() {
  const ol = $('#messages');
  ol.innerHTML = '';
  const c = state.chats.get(state.current);
  $('#chat-title').textContent = c ? `买家 ${c.buyer} · ${c.merchant}` : '请选择会话';
  for (const el of ['#text', '#composer button[type=submit]', '#close-chat']) $(el).disabled = !c;
  if (!c) return;
  for (const m of c.messages) {
    const li = document.createElement('li');
    li.className = m.from === 'agent' ? 'mine' : m.from === 'auto' ? 'auto' : '';
    li.textContent = m.text;
    const meta = document.createElement('small');
    meta.textContent = `${m.from === 'buyer' ? '买家' : m.from === 'auto' ? '自动' : '我'} · ${fmt(m.ts)}`;
    li.appendChild(meta);
    ol.appendChild(li);
  }
  ol.scrollTop = ol.scrollHeight;
}

function render() { renderChats(); renderMessages(); }

function addMessage(chatId, m) {
  const c = state.chats.get(chatId);
  if (!c || c.messages.some((x) => x.seq === m.seq)) return;
  c.messages.push(m);
  c.messages.sort((a, b) => a.seq - b.seq);
  c.lastSeq = Math.max(c.lastSeq, m.seq);
  if (chatId !== state.current) c.unread = (c.unread || 0) + 1;
}

function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/agent`);
  state.ws = ws;
  ws.onmessage = (ev) => {
    const f = JSON.parse(ev.data);
    switch (f.type) {
      case 'status': $('#status').value = f.status; break;
      case 'assigned': {
        const old = state.chats.get(f.chat.id);
        const c = old || { id: f.chat.id, buyer: f.chat.buyer, merchant: f.chat.merchant, messages: [], lastSeq: 0 };
        state.chats.set(c.id, c);
        for (const m of f.chat.history) addMessage(c.id, m);
        if (!state.current) state.current = c.id;
        break;
      }
      case 'message': addMessage(f.chat, f); break;
      case 'unassigned':
        state.chats.delete(f.chat);
        if (state.current === f.chat) state.current = null;
        break;
      case 'ack': {
        const p = state.pending.get(f.id);
        if (p && f.seq) addMessage(p.chat, { seq: f.seq, from: 'agent', text: p.text, ts: Date.now() });
        state.pending.delete(f.id);
        $('#notice').textContent = '';
        break;
      }
      case 'blocked': $('#notice').textContent = '消息未发送：违反平台规则'; state.pending.delete(f.id); break;
      case 'error': $('#notice').textContent = `错误：${f.message}`; break;
    }
    render();
  };
  ws.onclose = () => setTimeout(connect, 1000);
}

$('#login').onsubmit = async (e) => {
  e.preventDefault();
  const fd = new FormData(e.target);
  try {
    const r = await api('/api/login', { username: fd.get('username'), password: fd.get('password') });
    $('#login').hidden = true;
    $('#who').textContent = `${r.user.name}（${r.role}）`;
    $('#logout').hidden = false;
    if (r.role === 'agent') {
      $('#workspace').hidden = false;
      $('#status').hidden = false;
      connect();
    } else {
      $('#admin').hidden = false;
    }
  } catch (err) {
    $('#login-error').textContent = `登录失败：${err.message}`;
  }
};

$('#status').onchange = () => state.ws && state.ws.send(JSON.stringify({ type: 'status', status: $('#status').value }));
$('#logout').onclick = async () => { await api('/api/logout', {}); location.reload(); };

$('#composer').onsubmit = (e) => {
  e.preventDefault();
  const text = $('#text').value.trim();
  if (!text || !state.current || !state.ws) return;
  const id = `c${Date.now()}-${state.nextId++}`;
  state.pending.set(id, { chat: state.current, text });
  state.ws.send(JSON.stringify({ type: 'send', id, chat: state.current, text }));
  $('#text').value = '';
};

$('#close-chat').onclick = () => {
  if (!state.current || !state.ws) return;
  state.ws.send(JSON.stringify({ type: 'close', id: `x${Date.now()}`, chat: state.current }));
};
