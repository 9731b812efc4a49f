// Shared by the browser suite and the screenshot script: starts a private
// kefud, talks REST and buyer WebSocket from Node, and launches Debian's
// chromium through playwright-core (never a downloaded browser).

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const consoleDir = join(repoRoot, 'agent-console');

// The suite's npm packages live with the console's (one package-lock.json).
const requireConsole = createRequire(join(consoleDir, 'package.json'));
export function loadModule(name) {
  try {
    return requireConsole(name);
  } catch (e) {
    throw new Error(`${name} is not installed: run scripts/build (or npm ci in agent-console/): ${e.message}`);
  }
}

export const chromiumPath = process.env.KEFU_CHROMIUM || '/usr/bin/chromium';
export const chromiumMissing = () => !existsSync(chromiumPath);

export function kefudPath() {
  const p = process.env.KEFUD || join(repoRoot, 'build', 'bin', 'kefud');
  if (!existsSync(p)) throw new Error(`kefud not found at ${p}: build it first (scripts/build)`);
  return p;
}

export const ADMIN_PASSWORD = 'admin-pass-e2e';

// Starts kefud on a free port with a fresh SQLite database.
export async function startKefud({ extraArgs = [] } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kefu-browser-'));
  const proc = spawn(
    kefudPath(),
    ['--listen', '127.0.0.1:0', '--db', `sqlite:${join(dir, 'k.db')}`, '--console', join(consoleDir, 'public'), ...extraArgs],
    { env: { ...process.env, KEFU_ADMIN_PASSWORD: ADMIN_PASSWORD }, stdio: ['ignore', 'pipe', 'pipe'], cwd: repoRoot },
  );
  let stderr = '';
  proc.stderr.on('data', (d) => {
    stderr += d;
    if (stderr.length > 20000) stderr = stderr.slice(-20000);
  });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`kefud did not start in 15 s:\n${stderr}`)), 15000);
    const lines = createInterface({ input: proc.stdout });
    lines.on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)/.exec(line);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`kefud exited with ${code}:\n${stderr}`));
    });
  });
  return {
    url,
    dir,
    stderr: () => stderr,
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await new Promise((r) => {
          const timer = setTimeout(() => {
            proc.kill('SIGKILL');
            r();
          }, 5000);
          proc.on('exit', () => {
            clearTimeout(timer);
            r();
          });
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ------------------------------------------------------------------- REST
export async function rest(url, method, path, body, token) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let data = text;
  try {
    data = JSON.parse(text);
  } catch {
    /* CSV, NDJSON */
  }
  return { status: res.status, data };
}

export async function login(url, username, password) {
  const r = await rest(url, 'POST', '/api/login', { username, password });
  if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${JSON.stringify(r.data)}`);
  return r.data.token;
}

async function must(r, what) {
  const x = await r;
  if (x.status >= 300) throw new Error(`${what}: ${x.status} ${JSON.stringify(x.data)}`);
  return x.data;
}

// A merchant, an agent, a second agent, a manager and a QA lead.
export async function seed(url, { merchant = {}, extraMerchants = [] } = {}) {
  const admin = await login(url, 'admin', ADMIN_PASSWORD);
  const m = await must(
    rest(url, 'POST', '/api/merchants', {
      id: 'shop1',
      name: '快乐母婴旗舰店',
      platform: 'kuaishou',
      greeting: '您好，欢迎光临{merchant}，我是客服{agent}，很高兴为您服务！',
      closing: '感谢您的咨询，祝您生活愉快！',
      service_scope: 'presale',
      ...merchant,
    }, admin),
    'create merchant',
  );
  const keys = { [m.id]: m.channel_key };
  for (const extra of extraMerchants) {
    const x = await must(rest(url, 'POST', '/api/merchants', extra, admin), `create merchant ${extra.id}`);
    keys[x.id] = x.channel_key;
  }
  const all = [m.id, ...extraMerchants.map((x) => x.id)];
  const users = [
    { id: 'xiaowang', name: '小王', password: 'agent-pass-1', role: 'agent', merchants: all, capacity: 5 },
    { id: 'xiaoli', name: '小李', password: 'agent-pass-2', role: 'agent', merchants: all, capacity: 3 },
    { id: 'boss', name: '客服主管', password: 'manager-pass', role: 'manager', merchants: ['*'] },
    { id: 'qalead', name: '质检组长', password: 'qa-pass-123', role: 'qa', merchants: ['*'] },
  ];
  for (const u of users) await must(rest(url, 'POST', '/api/agents', u, admin), `create ${u.id}`);
  return { admin, keys, merchant: m, users: Object.fromEntries(users.map((u) => [u.id, u])) };
}

// ------------------------------------------------------------ buyer side
export class Buyer {
  constructor(url, merchant, buyer, key) {
    const WebSocket = loadModule('ws');
    this.frames = [];
    this.waiters = [];
    this.n = 0;
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/buyer?merchant=${encodeURIComponent(merchant)}&buyer=${encodeURIComponent(buyer)}&key=${key}`);
    this.ready = new Promise((ok, fail) => {
      this.ws.once('open', ok);
      this.ws.once('error', fail);
    });
    this.ws.on('message', (data) => {
      const f = JSON.parse(String(data));
      this.frames.push(f);
      if (f.chat && !this.chat && f.type !== 'closed') this.chat = f.chat;
      for (const w of [...this.waiters]) if (w.pred(f)) w.done(f);
    });
  }

  send(text) {
    const id = `b${Date.now()}-${++this.n}`;
    this.ws.send(JSON.stringify({ type: 'send', id, text }));
    return this.waitFor((f) => f.type === 'ack' && f.id === id);
  }

  raw(frame) {
    this.ws.send(JSON.stringify(frame));
  }

  // Resolves with the first frame (already received or future) matching pred.
  waitFor(pred, ms = 10000) {
    const have = this.frames.find(pred);
    if (have) return Promise.resolve(have);
    return new Promise((ok, fail) => {
      const w = {
        pred,
        done: (f) => {
          clearTimeout(timer);
          this.waiters.splice(this.waiters.indexOf(w), 1);
          ok(f);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        fail(new Error(`buyer: no matching frame in ${ms} ms; got ${JSON.stringify(this.frames.slice(-5))}`));
      }, ms);
      this.waiters.push(w);
    });
  }

  close() {
    this.ws.close();
  }
}

// --------------------------------------------------------------- browser
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

// Each launch gets a fresh profile directory of its own.
export async function launchBrowser() {
  const { chromium } = loadModule('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'kefu-chromium-'));
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [...CHROMIUM_ARGS, `--disk-cache-dir=${join(profile, 'cache')}`],
    env: { ...process.env, HOME: profile, XDG_CONFIG_HOME: join(profile, 'config'), XDG_CACHE_HOME: join(profile, 'cache') },
  });
  const close = browser.close.bind(browser);
  browser.close = async () => {
    await close();
    rmSync(profile, { recursive: true, force: true });
  };
  return browser;
}

// A page that records console errors, page errors and CSP violations.
export async function openPage(browser, url, { viewport = { width: 1440, height: 900 }, locale = 'zh-CN' } = {}) {
  const context = await browser.newContext({ viewport, locale, timezoneId: 'Asia/Shanghai', permissions: ['notifications'] });
  const page = await context.newPage();
  page.problems = [];
  page.on('pageerror', (e) => page.problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of (401|403|404)/.test(m.text()))
      page.problems.push(`console: ${m.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  await page.goto(url);
  return page;
}

export async function uiLogin(page, username, password) {
  await page.fill('#login [name=username]', username);
  await page.fill('#login [name=password]', password);
  await page.click('#login button[type=submit]');
  await page.waitForSelector('#view-login', { state: 'hidden' });
}
