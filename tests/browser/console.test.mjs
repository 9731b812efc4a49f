// End-to-end test of the web console in Debian's chromium, against a real
// kefud: agent workspace, SLA board, QA review and admin pages.
//
//   node --test tests/browser/
//
// KEFUD points at the server binary (default build/bin/kefud). Skips only
// when chromium is not installed. KEFU_SCREENSHOTS=DIR saves a picture of
// each page there.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as H from './harness.mjs';

const skip = H.chromiumMissing() ? `skipped: chromium not found at ${H.chromiumPath} (apt-get install chromium)` : false;
if (skip) console.log(skip);

const shots = process.env.KEFU_SCREENSHOTS || '';
if (shots) mkdirSync(shots, { recursive: true });
async function shot(page, name) {
  if (shots) await page.screenshot({ path: join(shots, `${name}.png`) });
}

let server;
let seedData;
let browser;
let agent; // the agent's page
let board; // the manager's page
let qaPage; // the QA lead's page, once the QA endpoints answered
let buyer;
const pages = [];

before(async () => {
  if (skip) return;
  server = await H.startKefud();
  // One blocked message suspends sending for shop1 until a manager lifts it.
  seedData = await H.seed(server.url, { merchant: { suspension: { blocks: 1, window_s: 3600 } } });
  browser = await H.launchBrowser();
});

after(async () => {
  if (buyer) buyer.close();
  for (const p of pages) {
    if (p.problems.length) console.log(`problems on ${p.url()}:\n  ${p.problems.join('\n  ')}`);
  }
  if (browser) await browser.close();
  if (server) await server.stop();
});

async function open(path = '/') {
  const page = await H.openPage(browser, server.url + path);
  pages.push(page);
  return page;
}

const chipState = (page, sel) => page.$eval(sel, (el) => el.dataset.state);

test('the agent logs in, goes online and gets a chat with a live countdown', { skip }, async () => {
  agent = await open();
  assert.equal(await agent.title(), 'Kefu 客服工作台');
  // Wrong password is refused with a message.
  await agent.fill('#login [name=username]', 'xiaowang');
  await agent.fill('#login [name=password]', 'nope-nope');
  await agent.click('#login button[type=submit]');
  await agent.waitForFunction(() => document.querySelector('#login-error').textContent.length > 0);
  await H.uiLogin(agent, 'xiaowang', 'agent-pass-1');
  await agent.waitForSelector('#conn[data-state=open]');
  await agent.selectOption('#status', 'online');
  await agent.waitForSelector('#status-box[data-status=online]');

  buyer = new H.Buyer(server.url, 'shop1', 'buyer-1', seedData.keys.shop1);
  await buyer.ready;
  await buyer.send('你好，这款奶粉还有货吗？');
  // The auto greeting reaches the buyer once the chat is assigned.
  const greeting = await buyer.waitFor((f) => f.type === 'message' && f.from === 'auto');
  assert.match(greeting.text, /快乐母婴旗舰店/);

  await agent.waitForSelector(`.chat-item[data-chat="${buyer.chat}"]`);
  await agent.waitForSelector('#messages li.from-buyer >> text=这款奶粉还有货吗');
  // The countdown runs: a reply deadline ~30 s away, green, and ticking.
  const chip = `.chat-item[data-chat="${buyer.chat}"] .clock`;
  await agent.waitForFunction((sel) => document.querySelector(sel)?.dataset.state === 'ok', chip);
  const t1 = await agent.$eval(chip, (el) => el.textContent);
  assert.match(t1, /30秒回复 剩 0:[23]\d/);
  await agent.waitForFunction((args) => document.querySelector(args[0]).textContent !== args[1], [chip, t1], { timeout: 3000 });
  assert.equal(await chipState(agent, '#conv-clock'), 'ok');
});

test('a WeChat id is underlined as it is typed and explained before sending', { skip }, async () => {
  // An emoji first: spans count code points, so the mark must still cover the id exactly.
  await agent.fill('#composer-text', '😀😀 好的，加我微信 wxid_abc123 发您图片');
  await agent.waitForSelector('#hint.hint-block');
  const marked = await agent.$$eval('.backdrop-text mark.v-block', (ms) => ms.map((m) => m.textContent));
  assert.ok(marked.some((m) => m.includes('wxid_abc123')), `marks: ${JSON.stringify(marked)}`);
  assert.ok(!marked.some((m) => m.includes('😀') || m.includes('发您')), `marks overrun: ${JSON.stringify(marked)}`);
  const hint = await agent.textContent('#hint');
  assert.match(hint, /发送将被拦截/);
  assert.match(hint, /站外联系方式/);
  assert.ok(await agent.isDisabled('#send'));
  await shot(agent, 'agent');

  // Enter does not send it: the buyer gets nothing and the hint says why.
  await agent.focus('#composer-text');
  await agent.keyboard.press('Enter');
  await agent.waitForSelector('#conv-notice.error');
  await agent.waitForTimeout(300);
  assert.equal(buyer.frames.filter((f) => f.type === 'message' && f.from === 'agent').length, 0);

  // Esc hides the hint.
  await agent.keyboard.press('Escape');
  await agent.waitForSelector('#hint', { state: 'hidden' });
});

test('a rude phrase shows its polite alternative, which can be applied', { skip }, async () => {
  await agent.fill('#composer-text', '这个我哪知道');
  await agent.waitForSelector('#hint.hint-warn');
  assert.equal(await agent.$eval('.backdrop-text mark.v-warn', (m) => m.textContent), '我哪知道');
  assert.match(await agent.textContent('#hint'), /服务禁用语/);
  assert.ok(!(await agent.isDisabled('#send')), 'a warning does not stop sending');
  await agent.click('#hint .suggest button');
  assert.equal(await agent.inputValue('#composer-text'), '这个对不起，我需要确认一下您的需求，请您稍等，我核实后马上回复您。');
  await agent.waitForSelector('#hint.hint-ok');
});

test('a proper reply is sent with Ctrl+Enter and the buyer receives it', { skip }, async () => {
  await agent.fill('#composer-text', '');
  await agent.fill('#composer-text', '您好，有货的，今天下单明天发货。');
  await agent.waitForSelector('#hint.hint-ok');
  await agent.keyboard.press('Control+Enter');
  const msg = await buyer.waitFor((f) => f.type === 'message' && f.from === 'agent');
  assert.equal(msg.text, '您好，有货的，今天下单明天发货。');
  await agent.waitForSelector(`#messages li.from-agent[data-seq="${msg.seq}"]`);
  // The turn is answered: the countdown stops.
  await agent.waitForFunction(() => document.querySelector('#conv-clock').dataset.state === 'idle');
  assert.equal(await agent.inputValue('#composer-text'), '');
});

test('a buyer asking to go off-platform raises a warning in the chat', { skip }, async () => {
  await buyer.send('能加个微信吗？我微信号是 abc_123456');
  await agent.waitForSelector('#banner-warning');
  assert.match(await agent.textContent('#banner-warning'), /站外/);
  await agent.waitForSelector('#messages li.from-buyer.flagged mark');
  assert.ok(await agent.$(`.chat-item[data-chat="${buyer.chat}"].flagged`));
});

test('a blocked send is shown as not delivered, suspends sending, and a manager lifts it', { skip }, async () => {
  // With the as-you-type check unavailable the console sends, and the server blocks.
  await agent.route('**/api/compliance/check', (route) => route.abort());
  await agent.fill('#composer-text', '您直接转账到我支付宝 13800138000 就行');
  await agent.waitForSelector('#hint.hint-muted');
  await agent.keyboard.press('Enter');
  await agent.waitForSelector('#messages li.state-blocked .blocked-why');
  assert.match(await agent.textContent('#messages li.state-blocked .blocked-why'), /未发送/);
  await agent.unroute('**/api/compliance/check');
  // The aborted check requests are ours, not the console's.
  agent.problems = agent.problems.filter((p) => !p.includes('net::ERR_FAILED'));
  await agent.waitForTimeout(300);
  assert.equal(buyer.frames.filter((f) => f.type === 'message' && f.from === 'agent').length, 1);
  // "Edit and resend" brings the text back into the composer.
  await agent.click('#messages li.state-blocked .blocked-why button');
  assert.match(await agent.inputValue('#composer-text'), /支付宝/);
  await agent.fill('#composer-text', '');

  // The merchant's policy suspends sending after one block.
  await agent.waitForSelector('#banner-suspended');
  assert.ok(await agent.isDisabled('#send'));
  board = await open();
  await H.uiLogin(board, 'boss', 'manager-pass');
  await board.waitForSelector('#view-board:not([hidden])');
  await board.waitForSelector('#board-recent li[data-kind="suspension"]');
  await board.click('#board-seats tr[data-agent="xiaowang"] button');
  await agent.waitForSelector('#banner-suspended', { state: 'detached' });
  await board.waitForSelector('#board-seats tr[data-agent="xiaowang"] .pill.bad', { state: 'detached' });
});

test('after a reconnect nothing is lost and nothing is shown twice', { skip }, async () => {
  const before = await agent.$$eval('#messages li[data-seq]', (ls) => ls.length);
  await agent.evaluate(() => window.kefu.view('agent').reconnect());
  await buyer.send('我刚才断线了吗？');
  await buyer.send('还有一个问题：保质期多久？');
  await agent.waitForSelector('#conn[data-state=open]');
  await agent.waitForSelector('#messages li.from-buyer >> text=保质期多久');
  const seqs = await agent.$$eval('#messages li[data-seq]', (ls) => ls.map((l) => Number(l.dataset.seq)));
  assert.equal(seqs.length, before + 2);
  assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'no duplicates, in order');
  // A new turn is open again: the countdown is back.
  await agent.waitForFunction(() => ['ok', 'soon'].includes(document.querySelector('#conv-clock').dataset.state));
  // Still online after the reconnect.
  assert.equal(await agent.$eval('#status', (s) => s.value), 'online');
});

test('keyboard: Alt+Down switches chats and quick replies fill the composer', { skip }, async () => {
  const buyer2 = new H.Buyer(server.url, 'shop1', 'buyer-2', seedData.keys.shop1);
  await buyer2.ready;
  await buyer2.send('在吗');
  await agent.waitForSelector('.chat-item >> nth=1');
  assert.equal(await agent.$$eval('.chat-item .badge', (b) => b.length), 1, 'the new chat has an unread badge');
  await agent.keyboard.press('Alt+ArrowDown');
  await agent.waitForFunction((id) => document.querySelector('.chat-item.active')?.dataset.chat === id, buyer2.chat);
  assert.equal(await agent.$$eval('.chat-item .badge', (b) => b.length), 0, 'read once opened');
  await agent.click('#qr-greeting');
  assert.match(await agent.inputValue('#composer-text'), /欢迎光临快乐母婴旗舰店，我是客服小王/);
  await agent.waitForSelector('#hint.hint-ok');
  await agent.keyboard.press('Enter');
  await buyer2.waitFor((f) => f.type === 'message' && f.from === 'agent');
  await agent.keyboard.press('Alt+ArrowUp');
  await agent.waitForFunction((id) => document.querySelector('.chat-item.active')?.dataset.chat === id, buyer.chat);
  buyer2.close();
});

test('a chat is transferred to a colleague who is online', { skip }, async () => {
  // xiaoli works from another client (bearer token, no browser).
  const WebSocket = H.loadModule('ws');
  const token = await H.login(server.url, 'xiaoli', 'agent-pass-2');
  const ws = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws/agent`, { headers: { Authorization: `Bearer ${token}` } });
  const frames = [];
  ws.on('message', (d) => frames.push(JSON.parse(String(d))));
  await new Promise((ok, fail) => (ws.once('open', ok), ws.once('error', fail)));
  ws.send(JSON.stringify({ type: 'status', status: 'online' }));
  const until = async (pred) => {
    for (let i = 0; i < 100 && !frames.some(pred); i++) await new Promise((r) => setTimeout(r, 50));
    return frames.find(pred);
  };
  assert.ok(await until((f) => f.type === 'status' && f.status === 'online'));

  const second = await agent.$$eval('.chat-item', (els) => els[1].dataset.chat);
  await agent.click(`.chat-item[data-chat="${second}"]`);
  // A wrong id is refused with a reason and the chat stays.
  await agent.click('#transfer-btn');
  await agent.fill('#transfer-to', 'nobody');
  await agent.click('#transfer-go');
  await agent.waitForSelector('#conv-notice.error');
  await agent.click('#transfer-btn');
  await agent.fill('#transfer-to', 'xiaoli');
  await agent.click('#transfer-go');
  await agent.waitForSelector('#banner-ended');
  assert.match(await agent.textContent('#banner-ended'), /转接/);
  const assigned = await until((f) => f.type === 'assigned' && f.chat.id === second);
  assert.ok(assigned, 'xiaoli received the chat');
  assert.ok(assigned.chat.history.some((m) => m.from === 'agent'), 'with its history');
  ws.close();
  // Back to buyer-1's chat for what follows.
  await agent.click(`.chat-item[data-chat="${buyer.chat}"]`);
});

test("the manager's board shows seats, waiting buyers and today's rates", { skip }, async () => {
  await board.waitForSelector('#board-seats tr[data-agent="xiaowang"] .pill.online');
  // buyer-1 asked a question after the reconnect: it is waiting.
  await board.waitForSelector(`#board-turns tr[data-chat="${buyer.chat}"]`);
  const before = await board.$eval('#board-updated', (el) => el.textContent);
  await board.waitForFunction((b) => document.querySelector('#board-updated').textContent !== b, before, { timeout: 5000 });
  // Today's numbers arrive within a few seconds (the server refreshes them every 5 s).
  await board.waitForSelector('#board-today-merchant tr[data-key="shop1"]', { timeout: 15000 });
  await board.waitForSelector('#board-today-agent tr[data-key="xiaowang"]', { timeout: 15000 });
  // The buyer's off-platform request and the block are among the recent violations.
  await board.waitForSelector('#board-recent li[data-kind="violation"]');
  // The chart library is served locally and draws.
  await board.waitForSelector('#board-chart canvas', { timeout: 10000 });
  // CSV export links point at /api/sla.
  const href = await board.$eval('#export-agent', (a) => a.getAttribute('href'));
  assert.match(href, /^\/api\/sla\?from=\d+&to=\d+&group=agent&format=csv$/);
  const csv = await board.evaluate(async (u) => (await fetch(u)).text(), href);
  assert.match(csv, /^agent,/);

  // The agent answers; the waiting row goes away.
  await agent.fill('#composer-text', '保质期是18个月，请放心。');
  await agent.waitForSelector('#hint.hint-ok');
  await agent.keyboard.press('Enter');
  await board.waitForSelector(`#board-turns tr[data-chat="${buyer.chat}"]`, { state: 'detached', timeout: 5000 });
  await board.waitForTimeout(600);
  await shot(board, 'board');
  assert.deepEqual(board.problems, []);
});

test('the agent ends the chat and the buyer is asked for a rating', { skip }, async () => {
  await agent.click('#close-chat');
  // No closing phrase yet: the console asks first.
  await agent.waitForSelector('#close-chat[data-confirm="1"]');
  await agent.click('#qr-closing');
  await agent.waitForSelector('#hint.hint-ok');
  await agent.keyboard.press('Enter');
  await buyer.waitFor((f) => f.type === 'message' && f.from === 'agent' && f.text.includes('感谢您的咨询'));
  await agent.waitForTimeout(300);
  await agent.click('#close-chat');
  await buyer.waitFor((f) => f.type === 'closed');
  await buyer.waitFor((f) => f.type === 'rate_request');
  buyer.raw({ type: 'rate', chat: buyer.chat, score: 'satisfied' });
  await buyer.waitFor((f) => f.type === 'rated');
  await agent.waitForSelector('#banner-ended');
  assert.deepEqual(agent.problems, []);
});

test('a QA lead draws a sample, reads the transcript and submits a review', { skip }, async (t) => {
  const qa = await open();
  await H.uiLogin(qa, 'qalead', 'qa-pass-123');
  await qa.waitForSelector('#view-qa:not([hidden])');
  await qa.selectOption('#qa-merchant', 'shop1');
  await qa.selectOption('#qa-strategy', 'risk');
  await qa.fill('#qa-seed', '42');
  await qa.click('#qa-draw');
  await qa.waitForSelector('#qa-sample-summary, #qa-sample-error, #qa-sample-list p');
  const err = await qa.$('#qa-sample-error');
  if (err && (await err.getAttribute('data-status')) === '404') {
    assert.match(await err.textContent(), /尚未上线/);
    // The transcript view works already.
    await qa.fill('#qa-chat-id', buyer.chat);
    await qa.click('#qa-chat-id ~ button, form:has(#qa-chat-id) button');
    await qa.waitForSelector('#transcript');
    await qa.waitForSelector('#transcript .state-blocked');
    assert.match(await qa.textContent('#transcript-rating'), /满意/);
    await qa.waitForSelector('#qa-review-form');
    await shot(qa, 'qa');
    t.skip('skipped: QA endpoints not available (POST /api/qa/samples answered 404)');
    return;
  }
  assert.equal(err, null, err ? await err.textContent() : '');
  // Risk first: buyer-1's chat had a blocked message and a buyer warning.
  await qa.waitForSelector(`#qa-sample-list tr[data-chat="${buyer.chat}"]`);
  assert.equal(await qa.$eval('#qa-sample-list tr', (tr) => tr.dataset.chat), buyer.chat);
  await qa.click(`#qa-sample-list tr[data-chat="${buyer.chat}"]`);
  await qa.waitForSelector('#transcript');
  await qa.waitForSelector('#transcript .state-blocked');
  // Each turn with its response time and hit or miss per threshold.
  await qa.waitForSelector('#transcript table.turns td.hit');
  assert.match(await qa.textContent('#transcript-rating'), /满意/);
  await qa.waitForSelector('#qa-review-form');
  await qa.fill('#qa-comment', '回复及时；支付宝转账的话术被拦截，需复训。');
  // Changing an automatic score needs a reason.
  const auto = await qa.$('#qa-review-form input.score-input[data-criterion="rating"]');
  if (auto) {
    await auto.fill('5');
    await qa.click('#qa-submit');
    await qa.waitForSelector('#qa-review-error');
    await qa.fill('#qa-review-form input.override[data-criterion="rating"]', '买家评价为误触，已电话回访确认');
  }
  await qa.click('#qa-submit');
  await qa.waitForSelector('#qa-review-ok, #qa-review-error');
  const reviewErr = await qa.$('#qa-review-error');
  if (reviewErr && (await reviewErr.getAttribute('data-status')) === '404') {
    await shot(qa, 'qa');
    t.skip('skipped: QA endpoints not available (POST /api/qa/reviews answered 404)');
    return;
  }
  assert.equal(reviewErr, null, reviewErr ? await reviewErr.textContent() : '');
  assert.match(await qa.textContent('#qa-review-ok'), /总分/);
  await qa.waitForSelector(`#qa-sample-list tr[data-chat="${buyer.chat}"] .pill.ok`);
  // The merchant's scorecard can be edited and saved.
  await qa.click('#qa-card-open');
  await qa.waitForSelector('#qa-card-json');
  const card = JSON.parse(await qa.inputValue('#qa-card-json'));
  assert.ok(card.criteria.length > 0);
  card.criteria.find((c) => c.kind === 'manual').points += 5;
  await qa.fill('#qa-card-json', JSON.stringify(card));
  await qa.click('#qa-card-save');
  await qa.waitForSelector('#qa-card-msg .msgbox.ok');
  await shot(qa, 'qa');
  qaPage = qa;
});

test('the agent appeals the review and the QA lead decides', { skip }, async (t) => {
  if (!qaPage) return t.skip('skipped: QA endpoints not available');
  await agent.click('#nav a[data-view="myqa"]');
  await agent.waitForSelector('#myqa-table tr[data-review] input');
  await agent.fill('#myqa-table tr[data-review] input', '买家当时确认满意，评分有误');
  await agent.click('#myqa-table tr[data-review] button.link >> text=提交申诉');
  await agent.waitForSelector('#myqa-table .pill.away');
  // The QA lead sees it (reload the list) and rejects it with a reason.
  await qaPage.reload();
  await qaPage.waitForSelector('#qa-appeals-table tr[data-id] input');
  await qaPage.fill('#qa-appeals-table tr[data-id] input', '回访录音显示买家不满意，维持原分');
  await qaPage.click('#qa-appeals-table tr[data-id] button >> text=驳回');
  await qaPage.waitForSelector('#qa-appeals-table .pill >> text=已驳回');
  await agent.click('#nav a[data-view="myqa"]');
  await agent.reload();
  await agent.waitForSelector('#myqa-table .pill >> text=已驳回');
  await agent.click('#nav a[data-view="agent"]');
  assert.deepEqual(qaPage.problems, []);
});

test('an admin edits a merchant and creates an account; English works too', { skip }, async () => {
  const admin = await open();
  await H.uiLogin(admin, 'admin', H.ADMIN_PASSWORD);
  await admin.waitForSelector('#merchant-table tr[data-id="shop1"]');
  await admin.click('#merchant-table tr[data-id="shop1"]');
  await admin.waitForSelector('#merchant-form');
  await admin.fill('#merchant-form [name=reply_s]', '25');
  await admin.check('#merchant-form [name=sh_on]');
  await admin.fill('#merchant-form [name=sh_intervals]', '00:00-24:00');
  await admin.click('#merchant-save');
  await admin.waitForSelector('.toast.ok');
  const m = await H.rest(server.url, 'GET', '/api/merchants/shop1', undefined, seedData.admin);
  assert.equal(m.data.thresholds.reply_s, 25);
  assert.deepEqual(m.data.service_hours.intervals, [['00:00', '24:00']]);
  // An emptied threshold goes back to its default (the server merges the thresholds it is sent).
  await admin.fill('#merchant-form [name=reply_s]', '');
  // Saving re-renders the form once the list has reloaded: what is typed into the old form
  // before then is lost, so the next step waits for the new one.
  await admin.evaluate(() => { document.querySelector('#merchant-form').dataset.stale = '1'; });
  await admin.click('#merchant-save');
  await admin.waitForSelector('#merchant-form:not([data-stale])');
  const hasReply = (x) => Boolean(x.data.thresholds && 'reply_s' in x.data.thresholds);
  let after = m;
  for (let i = 0; i < 50 && hasReply(after); i++) {
    await new Promise((r) => setTimeout(r, 100));
    after = await H.rest(server.url, 'GET', '/api/merchants/shop1', undefined, seedData.admin);
  }
  assert.equal(hasReply(after), false);
  // Bad JSON is caught before it is sent.
  await admin.fill('#merchant-form [name=compliance]', '{oops');
  await admin.click('#merchant-save');
  await admin.waitForSelector('#merchant-result .msgbox.error');
  await admin.fill('#merchant-form [name=compliance]', '');
  await shot(admin, 'admin');

  await admin.click('#tab-agents');
  await admin.waitForSelector('#agent-table tr[data-id="xiaoli"]');
  await admin.click('#new-agent');
  await admin.fill('#agent-form [name=id]', 'xiaozhao');
  await admin.fill('#agent-form [name=name]', '小赵');
  await admin.fill('#agent-form [name=password]', 'agent-pass-3');
  await admin.fill('#agent-form [name=merchants]', 'shop1');
  await admin.click('#agent-save');
  await admin.waitForSelector('#agent-table tr[data-id="xiaozhao"]');

  await admin.click('#lang');
  await admin.waitForSelector('#tab-agents >> text=Accounts');
  assert.equal(await admin.title(), 'Kefu agent console');
  await admin.click('#lang');
  assert.deepEqual(admin.problems, []);
});
