// Copies the chart library from node_modules into public/vendor/ so kefud can
// serve it from its own origin. The copy is not committed (see .gitignore).
import { copyFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'public', 'vendor');
const files = [
  ['node_modules/uplot/dist/uPlot.esm.js', 'uPlot.esm.js'],
  ['node_modules/uplot/dist/uPlot.min.css', 'uPlot.min.css'],
  ['node_modules/uplot/LICENSE', 'uPlot.LICENSE.txt'],
];
mkdirSync(out, { recursive: true });
for (const [from, to] of files) {
  const src = join(root, from);
  if (!existsSync(src)) {
    console.error(`copy-vendor: ${from} is missing; run npm ci in agent-console first`);
    process.exit(1);
  }
  const dst = join(out, to);
  if (existsSync(dst) && readFileSync(dst).equals(readFileSync(src))) continue;
  copyFileSync(src, dst);
}
