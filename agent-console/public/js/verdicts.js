// Words for compliance verdicts, shared by the workspace, QA and the board.
import { t } from './i18n.js';

export const categoryName = (c) => {
  const s = t(`cat.${c}`);
  return s === `cat.${c}` ? c : s;
};

export function describeViolation(v) {
  let s = `${categoryName(v.category)}：${v.excerpt ?? ''}`;
  if (v.rule) s += ` (${v.rule})`;
  if (v.suggestion) s += `\n${t('hint.suggest')} ${v.suggestion}`;
  return s;
}

export function verdictSummary(verdict) {
  if (!verdict || !verdict.violations || !verdict.violations.length) return '';
  const cats = [...new Set(verdict.violations.map((v) => categoryName(v.category)))];
  return `${t(`action.${verdict.action}`)}：${cats.join('、')}`;
}
