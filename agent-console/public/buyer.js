// Buyer simulator for demos: joins /ws/buyer, sends, resumes after a drop,
// closes and rates. The page's origin must be in the merchant's
// allowed_origins, since a browser always sends an Origin header.

const $ = (s) => document.querySelector(s);
const params = new URLSearchParams(location.search);
for (const k of ['merchant', 'buyer', 'key']) if (params.get(k)) $(`#join [name=${k}]`).value = params.get(k);

let ws = null;
let query = null;
let chat = null;
let lastSeq = 0;
let closedChat = null;
const seen = new Set();

function show(text, from) {
  const li = document.createElement('li');
  li.className = `msg from-${from}`;
  const b = document.createElement('div');
  b.className = 'bubble';
  b.textContent = text;
  li.appendChild(b);
  $('#messages').appendChild(li);
  $('#messages').scrollTop = $('#messages').scrollHeight;
}

const notice = (text) => ($('#notice').textContent = text);

function connect() {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  ws = new WebSocket(`${proto}//${location.host}/ws/buyer?${query}`);
  let opened = false;
  ws.onopen = () => {
    opened = true;
    notice('已进线，请输入消息');
    if (chat) ws.send(JSON.stringify({ type: 'resume', chat, after: lastSeq }));
  };
  ws.onclose = () => {
    if (!opened) {
      notice(`连接被拒绝：请确认接入密钥正确，且本页来源 ${location.origin} 已加入该商家的 allowed_origins。`);
      return;
    }
    notice('连接已断开，正在重连…');
    setTimeout(connect, 1500);
  };
  ws.onmessage = (ev) => {
    const f = JSON.parse(ev.data);
    if (f.type === 'ack') {
      chat = f.chat;
      lastSeq = Math.max(lastSeq, f.seq || 0);
    } else if (f.type === 'message') {
      chat = f.chat;
      lastSeq = Math.max(lastSeq, f.seq);
      if (seen.has(`${f.chat}:${f.seq}`)) return;
      seen.add(`${f.chat}:${f.seq}`);
      show(f.text, f.from);
    } else if (f.type === 'queued') notice(`排队中，您前面还有 ${f.position - 1} 位`);
    else if (f.type === 'closed') {
      notice('会话已结束');
      closedChat = f.chat;
      chat = null;
      lastSeq = 0;
    } else if (f.type === 'rate_request') $('#rate').hidden = false;
    else if (f.type === 'rated') {
      $('#rate').hidden = true;
      notice('感谢您的评价');
    } else if (f.type === 'error') notice(`错误：${f.message}`);
  };
}

$('#join').addEventListener('submit', (e) => {
  e.preventDefault();
  const fd = new FormData(e.target);
  query = new URLSearchParams({ merchant: fd.get('merchant'), buyer: fd.get('buyer'), key: fd.get('key') });
  if (ws) {
    ws.onclose = null;
    ws.close();
  }
  connect();
});

let n = 0;
$('#composer').addEventListener('submit', (e) => {
  e.preventDefault();
  const text = $('#text').value.trim();
  if (!text || !ws || ws.readyState !== WebSocket.OPEN) return;
  ws.send(JSON.stringify({ type: 'send', id: `b${Date.now()}-${++n}`, text }));
  show(text, 'buyer-self');
  $('#text').value = '';
});

$('#end').addEventListener('click', () => {
  if (ws && chat) ws.send(JSON.stringify({ type: 'close', id: `x${Date.now()}`, chat }));
});

for (const b of document.querySelectorAll('#rate button'))
  b.addEventListener('click', () => {
    if (ws && closedChat) ws.send(JSON.stringify({ type: 'rate', chat: closedChat, score: b.dataset.score }));
  });
