// Verdict spans count Unicode code points (not UTF-16 units): "😀a" has two
// code points but three JS string units. Everything here works on arrays of
// code points so emoji and other astral characters line up.

import { h } from './dom.js';

export const codePoints = (text) => Array.from(text || '');

// Splits `text` into runs: [{text, marks:[violation…]}], where every run is
// covered by the same set of violations.
export function segments(text, violations) {
  const cps = codePoints(text);
  const spans = (violations || [])
    .map((v) => ({ v, s: clamp(v.start, cps.length), e: clamp(v.end, cps.length) }))
    .filter((x) => x.e > x.s);
  if (!spans.length) return cps.length ? [{ text: cps.join(''), marks: [] }] : [];
  const cuts = new Set([0, cps.length]);
  for (const x of spans) {
    cuts.add(x.s);
    cuts.add(x.e);
  }
  const points = Array.from(cuts).sort((a, b) => a - b);
  const out = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i];
    const b = points[i + 1];
    const marks = spans.filter((x) => x.s <= a && x.e >= b).map((x) => x.v);
    out.push({ text: cps.slice(a, b).join(''), marks });
  }
  return out;
}

function clamp(n, max) {
  n = Number.isInteger(n) ? n : 0;
  return Math.max(0, Math.min(max, n));
}

const BLOCKING = new Set(['contact', 'payment', 'link', 'solicit', 'counterfeit', 'abuse', 'impersonation']);

// The severity a mark is drawn with: the verdict's action when the verdict
// blocks and this category is a blocking one, else a warning.
export function severity(verdict, v) {
  if (!verdict) return 'warn';
  if (verdict.action === 'block' && (BLOCKING.has(v.category) || verdict.violations.length === 1))
    return 'block';
  return verdict.action === 'allow' ? 'info' : 'warn';
}

// Text with the verdict's spans wrapped in <mark>; `title` names the rule.
export function markedText(text, verdict, describe) {
  const frag = document.createDocumentFragment();
  for (const seg of segments(text, verdict && verdict.violations)) {
    if (!seg.marks.length) {
      frag.appendChild(document.createTextNode(seg.text));
      continue;
    }
    const sev = seg.marks.some((m) => severity(verdict, m) === 'block') ? 'block' : 'warn';
    frag.appendChild(
      h('mark', { class: `v-${sev}`, title: seg.marks.map((m) => (describe ? describe(m) : m.rule)).join('\n') }, seg.text),
    );
  }
  return frag;
}

// Replaces code points [start, end) of `text` with `insert`.
export function spliceCodePoints(text, start, end, insert) {
  const cps = codePoints(text);
  return cps.slice(0, start).join('') + insert + cps.slice(end).join('');
}

// The UTF-16 index of code point `n` in `text` (for textarea selections).
export function unitIndex(text, n) {
  return codePoints(text).slice(0, n).join('').length;
}
