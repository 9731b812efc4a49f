// Chinese first, English on request. Strings live in strings.js; pages call
// t(key, vars) and re-render on language change (onLang).

import { STRINGS } from './strings.js';

let lang = localStorage.getItem('kefu.lang') === 'en' ? 'en' : 'zh';
const listeners = new Set();

export const getLang = () => lang;

export function t(key, vars) {
  const table = STRINGS[lang] || STRINGS.zh;
  let s = table[key];
  if (s === undefined) s = STRINGS.zh[key];
  if (s === undefined) return key;
  if (vars) s = s.replace(/\{(\w+)\}/g, (m, k) => (vars[k] === undefined ? m : String(vars[k])));
  return s;
}

export function setLang(next) {
  lang = next === 'en' ? 'en' : 'zh';
  localStorage.setItem('kefu.lang', lang);
  applyStatic(document);
  for (const fn of listeners) fn(lang);
}

export function onLang(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// Fills elements marked data-i18n / data-i18n-placeholder / data-i18n-title.
export function applyStatic(root) {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-placeholder]'))
    el.placeholder = t(el.dataset.i18nPlaceholder);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  document.title = t('app.title');
}
