'use strict';
const $ = (s) => document.querySelector(s);
let ws = null;
let n = 1;
const params = new URLSearchParams(location.search);
for (const k of ['merchant', 'buyer', 'key']) if (params.get(k)) $(`#join [name=${k}]`).value = params.get(k);

function show(text, cls) {
  const li = document.createElement('li');
  li.className = cls || '';
  li.textContent = text;
  $('#messages').appendChild(li);
}

$('#join').onsubmit = (e) => {
  e.preventDefault();
  const fd = new FormData(e.target);
  const q = new URLSearchParams({ merchant: fd.get('merchant'), buyer: fd.get('buyer'), key: fd.get('key') });
  ws = new WebSocket(`ws://${location.host}/ws/buyer?${q}`);
  ws.onopen = () => { $('#notice').textContent = '已进线'; };
  ws.onclose = () => { $('#notice').textContent = '连接已断开'; };
  ws.onmessage = (ev) => {
    const f = JSON.parse(ev.data);
    if (f.type === 'message') show(`${f.from === 'auto' ? '自动回复' : '客服'}：${f.text}`);
    else if (f.type === 'queued') $('#notice').textContent = `排队中，前面还有 ${f.position - 1} 位`;
    else if (f.type === 'closed') $('#notice').textContent = '会话已结束';
    else if (f.type === 'rate_request') show('请为本次服务评价：满意 / 一般 / 不满意', 'auto');
    else if (f.type === 'error') $('#notice').textContent = `错误：${f.message}`;
  };
};

$('#composer').onsubmit = (e) => {
  e.preventDefault();
  const text = $('#text').value.trim();
  if (!text || !ws) return;
  ws.send(JSON.stringify({ type: 'send', id: `b${Date.now()}-${n++}`, text }));
  show(`我：${text}`, 'mine');
  $('#text').value = '';
};
