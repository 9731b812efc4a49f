// Entry point: login, the header, role-based navigation between pages.

import { $, $$, h } from './dom.js';
import { t, setLang, getLang, applyStatic } from './i18n.js';
import { get, post, setUnauthorizedHandler } from './api.js';
import { unlockAudio, askNotificationPermission, soundEnabled, setSound } from './sound.js';

const PAGES = {
  agent: () => import('./agent.js').then((m) => m.mountAgent),
  board: () => import('./board.js').then((m) => m.mountBoard),
  qa: () => import('./qa.js').then((m) => m.mountQa),
  admin: () => import('./admin.js').then((m) => m.mountAdmin),
  myqa: () => import('./myqa.js').then((m) => m.mountMyQa),
};

// Which pages each role sees, the first one being its home.
const ROLE_PAGES = {
  agent: ['agent', 'myqa'],
  qa: ['qa', 'board'],
  manager: ['board', 'qa', 'admin'],
  admin: ['admin', 'board', 'qa'],
};

const state = {
  user: null,
  merchants: new Map(),
  views: new Map(), // page -> {api, el}
  current: null,
};

const ctx = {
  get user() {
    return state.user;
  },
  get merchants() {
    return state.merchants;
  },
  toast,
  setConnection,
  setStatus(s) {
    $('#status').value = s;
    $('#status-box').dataset.status = s;
  },
  checkSession,
  refreshMerchants: loadMerchants,
  can(page) {
    return !!state.user && (ROLE_PAGES[state.user.role] || []).includes(page);
  },
};

// ------------------------------------------------------------------ toasts
function toast(text, kind = 'info', ms = 4000) {
  const el = h('div', { class: `toast ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
  $('#toasts').appendChild(el);
  setTimeout(() => el.classList.add('leaving'), ms);
  setTimeout(() => el.remove(), ms + 400);
}

function setConnection(s) {
  const el = $('#conn');
  el.hidden = false;
  el.dataset.state = s;
  el.textContent = t(`conn.${s}`);
}

// ----------------------------------------------------------------- session
async function checkSession() {
  try {
    await get('/api/me', { quiet401: true });
  } catch (e) {
    if (e.status === 401) signedOut();
  }
}

async function loadMerchants() {
  try {
    const r = await get('/api/merchants');
    state.merchants = new Map((r.merchants || []).map((m) => [m.id, m]));
  } catch {
    /* the pages show what they can */
  }
  return state.merchants;
}

async function signedIn(user) {
  state.user = user;
  await loadMerchants();
  $('#view-login').hidden = true;
  $('#who').textContent = `${user.name || user.id} · ${t(`role.${user.role}`)}`;
  $('#logout').hidden = false;
  const pages = ROLE_PAGES[user.role] || [];
  $('#nav').hidden = pages.length < 2;
  for (const a of $$('#nav a')) a.hidden = !pages.includes(a.dataset.view);
  const isAgent = user.role === 'agent';
  $('#status-box').hidden = !isAgent;
  $('#sound-toggle').hidden = !isAgent;
  paintSound();
  route();
}

function signedOut() {
  for (const { api } of state.views.values()) api && api.destroy && api.destroy();
  state.views.clear();
  for (const v of $$('.view')) v.hidden = true;
  for (const id of Object.keys(PAGES)) $(`#view-${id}`).replaceChildren();
  state.user = null;
  state.current = null;
  sessionStorage.removeItem('kefu.agent.status');
  $('#nav').hidden = true;
  $('#status-box').hidden = true;
  $('#sound-toggle').hidden = true;
  $('#logout').hidden = true;
  $('#conn').hidden = true;
  $('#who').textContent = '';
  $('#view-login').hidden = false;
  document.title = t('app.title');
  const u = $('#login [name=username]');
  if (u) u.focus();
}

// ------------------------------------------------------------------ routing
async function route() {
  if (!state.user) return;
  const pages = ROLE_PAGES[state.user.role] || [];
  let page = (location.hash.match(/^#\/(\w+)/) || [])[1];
  if (!pages.includes(page)) page = pages[0];
  if (!page) {
    for (const v of $$('.view')) v.hidden = v.id !== 'view-none';
    return;
  }
  if (location.hash !== `#/${page}`) history.replaceState(null, '', `#/${page}`);
  for (const a of $$('#nav a')) a.classList.toggle('active', a.dataset.view === page);
  state.current = page;
  for (const v of $$('.view')) v.hidden = v.id !== `view-${page}`;
  const el = $(`#view-${page}`);
  let view = state.views.get(page);
  if (!view) {
    view = { el, api: null };
    state.views.set(page, view);
    try {
      const mount = await PAGES[page]();
      if (state.views.get(page) !== view) return; // signed out meanwhile
      view.api = mount(el, ctx);
    } catch (e) {
      el.replaceChildren(h('p', { class: 'error' }, `${t('err.page')}: ${e.message}`));
      console.error(e);
    }
  }
  // Pages other than the agent's own keep no live socket while hidden.
  for (const [name, v] of state.views) {
    if (!v.api) continue;
    if (name === page) v.api.show && v.api.show();
    else v.api.hide && v.api.hide();
  }
}

// ------------------------------------------------------------------- events
function paintSound() {
  const b = $('#sound-toggle');
  b.textContent = soundEnabled() ? t('sound.on') : t('sound.off');
  b.setAttribute('aria-pressed', soundEnabled() ? 'true' : 'false');
}

function init() {
  applyStatic(document);
  $('#lang').textContent = getLang() === 'en' ? '中文' : 'EN';
  $('#lang').addEventListener('click', () => {
    setLang(getLang() === 'en' ? 'zh' : 'en');
    $('#lang').textContent = getLang() === 'en' ? '中文' : 'EN';
    if (state.user) $('#who').textContent = `${state.user.name || state.user.id} · ${t(`role.${state.user.role}`)}`;
    paintSound();
    const conn = $('#conn');
    if (!conn.hidden) conn.textContent = t(`conn.${conn.dataset.state}`);
  });

  $('#login').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const err = $('#login-error');
    err.textContent = '';
    unlockAudio(); // a click: the one moment audio may be started
    askNotificationPermission();
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      const r = await post('/api/login', { username: form.username.value.trim(), password: form.password.value }, { quiet401: true });
      form.password.value = '';
      await signedIn(r.user || { id: form.username.value.trim(), role: r.role });
    } catch (ex) {
      err.textContent = ex.status === 401 ? t('login.wrong') : `${t('login.failed')}: ${ex.message}`;
    } finally {
      button.disabled = false;
    }
  });

  $('#logout').addEventListener('click', async () => {
    try {
      await post('/api/logout', {});
    } catch {
      /* signed out either way */
    }
    signedOut();
  });

  $('#status').addEventListener('change', (e) => {
    unlockAudio();
    // Kept for the workspace even if it is still loading or reconnecting.
    sessionStorage.setItem('kefu.agent.status', e.target.value);
    const view = state.views.get('agent');
    if (view && view.api) view.api.setStatus(e.target.value);
  });

  $('#sound-toggle').addEventListener('click', () => {
    setSound(!soundEnabled());
    paintSound();
  });

  // Any click may be the gesture that lets the chime play.
  document.addEventListener('pointerdown', unlockAudio, { once: true });

  window.addEventListener('hashchange', route);
  setUnauthorizedHandler(() => state.user && signedOut());

  get('/api/me', { quiet401: true })
    .then((u) => signedIn(u))
    .catch(() => signedOut());
}

// For end-to-end tests and support sessions.
window.kefu = {
  get page() {
    return state.current;
  },
  view: (name) => state.views.get(name)?.api,
};

init();
