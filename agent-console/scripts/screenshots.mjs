// Takes the README's screenshots: starts a private kefud, plays a few chats
// (one late, one from a buyer asking to go off-platform, one with a blocked
// draft), and saves docs/screenshots/{agent,board,qa,admin}.png.
//
//   node agent-console/scripts/screenshots.mjs [OUT_DIR]
//
// Takes about a minute: the late chat needs time to turn red.

import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import * as H from '../../tests/browser/harness.mjs';

const out = process.argv[2] || join(H.repoRoot, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = await H.startKefud();
const browser = await H.launchBrowser();
const buyers = [];
try {
  const s = await H.seed(server.url, {
    extraMerchants: [
      { id: 'shop-digital', name: '优品数码专营店', platform: 'taobao', greeting: '亲，您好！{merchant}客服{agent}在线为您服务~', closing: '感谢光临，有问题随时联系我们哦', thresholds: { first_s: 20, reply_s: 10, r3_s: 40, r5_s: 60 } },
      { id: 'shop-home', name: '家居生活馆', platform: 'tencent', greeting: '您好，这里是{merchant}，请问有什么可以帮您？' },
    ],
  });
  // Only xiaoli serves shop-home, and she is offline: its buyers queue.
  await H.rest(server.url, 'PATCH', '/api/agents/xiaowang', { merchants: ['shop1', 'shop-digital'] }, s.admin);
  await H.rest(server.url, 'PATCH', '/api/merchants/shop1', { suspension: { blocks: 3, window_s: 3600 } }, s.admin);
  const buyer = async (merchant, id) => {
    const b = new H.Buyer(server.url, merchant, id, s.keys[merchant]);
    await b.ready;
    buyers.push(b);
    return b;
  };

  const agent = await H.openPage(browser, `${server.url}/`);
  await H.uiLogin(agent, 'xiaowang', 'agent-pass-1');
  await agent.selectOption('#status', 'online');
  await agent.waitForSelector('#status-box[data-status=online]');

  const board = await H.openPage(browser, `${server.url}/`);
  await H.uiLogin(board, 'boss', 'manager-pass');
  await board.waitForSelector('#board-seats tr');

  const say = async (chat, text) => {
    await agent.click(`.chat-item[data-chat="${chat}"]`);
    await agent.fill('#composer-text', text);
    await agent.waitForSelector('#hint.hint-ok, #hint.hint-warn');
    await agent.keyboard.press('Enter');
    await agent.waitForSelector(`#messages li.from-agent >> text=${text.slice(0, 8)}`);
  };

  // Two chats that were served, closed and rated (one unhappy buyer).
  for (const [id, score] of [['buyer-1007', 'satisfied'], ['buyer-1012', 'unsatisfied']]) {
    const b = await buyer('shop1', id);
    await b.send('请问这款婴儿推车可以登机吗？');
    await agent.waitForSelector(`.chat-item[data-chat="${b.chat}"]`);
    await say(b.chat, '可以的亲，折叠后尺寸符合大部分航空公司的登机要求。');
    await b.send('好的，谢谢');
    await say(b.chat, '感谢您的咨询，祝您生活愉快！');
    await agent.click('#close-chat');
    await b.waitFor((f) => f.type === 'rate_request');
    b.raw({ type: 'rate', chat: b.chat, score });
    await b.waitFor((f) => f.type === 'rated');
    await agent.click('#banner-ended button');
  }

  const late = await buyer('shop-digital', 'buyer-2031');
  await late.send('耳机左边没声音了，怎么办？');
  await agent.waitForSelector(`.chat-item[data-chat="${late.chat}"]`);

  const warned = await buyer('shop1', 'buyer-1020');
  await warned.send('奶瓶是玻璃的还是PPSU的？');
  await agent.waitForSelector(`.chat-item[data-chat="${warned.chat}"]`);
  await say(warned.chat, '亲，这款是PPSU材质的，耐摔耐高温。');

  const queued = await buyer('shop-home', 'buyer-3002');
  await queued.send('沙发什么时候发货？');

  await sleep(26000);
  const amber = await buyer('shop-digital', 'buyer-2040');
  await amber.send('这个充电宝能带上飞机吗？');
  await warned.send('你们有微信吗？加我 vx: mama_2024 聊');
  const main = await buyer('shop1', 'buyer-1033');
  await main.send('宝宝6个月，选哪一段的奶粉？');
  await agent.waitForSelector(`.chat-item[data-chat="${main.chat}"]`);
  await sleep(15000);

  await agent.click(`.chat-item[data-chat="${main.chat}"]`);
  await agent.fill('#composer-text', '亲，这个情况说来话长，加我微信 wxid_mama88 我发您详细的喂养表');
  await agent.waitForSelector('#hint.hint-block');
  await agent.waitForTimeout(400);
  await agent.screenshot({ path: join(out, 'agent.png') });

  await board.waitForSelector('#board-today-merchant tr[data-key="shop1"] td.below', { timeout: 15000 });
  await board.waitForSelector('#board-chart canvas');
  await board.waitForTimeout(800);
  await board.screenshot({ path: join(out, 'board.png') });

  // The chat with the off-platform request ends badly: it leads a risk sample.
  await agent.fill('#composer-text', '');
  await say(warned.chat, '亲，为了保障您的权益，请在平台内沟通和交易哦。');
  await say(warned.chat, '感谢您的咨询，祝您生活愉快！');
  await agent.click('#close-chat');
  await warned.waitFor((f) => f.type === 'rate_request');
  warned.raw({ type: 'rate', chat: warned.chat, score: 'unsatisfied' });
  await warned.waitFor((f) => f.type === 'rated');

  const qa = await H.openPage(browser, `${server.url}/`);
  await H.uiLogin(qa, 'qalead', 'qa-pass-123');
  await qa.waitForSelector('#qa-sample-form');
  await qa.selectOption('#qa-merchant', 'shop1');
  await qa.selectOption('#qa-strategy', 'risk');
  await qa.fill('#qa-seed', '42');
  await qa.click('#qa-draw');
  await qa.waitForSelector('#qa-sample-summary, #qa-sample-error, #qa-sample-list p');
  if (await qa.$(`#qa-sample-list tr[data-chat="${warned.chat}"]`)) await qa.click(`#qa-sample-list tr[data-chat="${warned.chat}"]`);
  else {
    await qa.fill('#qa-chat-id', warned.chat);
    await qa.click('form:has(#qa-chat-id) button');
  }
  await qa.waitForSelector('#qa-review-form');

  await qa.fill('#qa-comment', '回复及时，材质说明准确；买家索要微信时应按话术提醒在平台内沟通。');
  await qa.$eval('#view-qa .page', (el) => (el.scrollTop = 0));
  await qa.waitForTimeout(300);
  await qa.screenshot({ path: join(out, 'qa.png') });

  const admin = await H.openPage(browser, `${server.url}/`);
  await H.uiLogin(admin, 'admin', H.ADMIN_PASSWORD);
  await admin.waitForSelector('#merchant-table tr[data-id="shop-digital"]');
  await admin.click('#merchant-table tr[data-id="shop-digital"]');
  await admin.waitForSelector('#merchant-form');
  await admin.waitForTimeout(300);
  await admin.screenshot({ path: join(out, 'admin.png') });

  for (const p of [agent, board, qa, admin]) if (p.problems.length) console.log(p.problems.join('\n'));
  console.log(`screenshots in ${out}`);
} finally {
  for (const b of buyers) b.close();
  await browser.close();
  await server.stop();
}
