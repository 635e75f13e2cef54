// `sealpack audit report --html` rendered by a real browser: headless Chromium (Debian's
// `chromium`) loads the page offline, Chart.js (inlined) draws every chart, and a
// screenshot is taken. Fails when chromium is missing: CI installs it (.ci/run).
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ROOT, cleanTempDirs, run, tempDir } from '../helpers/index.js';

const test = suite('e2e: audit report in headless Chromium');
test.after(cleanTempDirs);

test('the HTML report renders offline with its four charts; the screenshot is a real picture', async () => {
  const out = join(await tempDir(), 'report.png');
  const result = run(process.execPath, [join(ROOT, 'scripts', 'audit-report.mjs'), out]);
  assert.is(result.status, 0, `scripts/audit-report.mjs failed (is chromium installed?): ${result.stderr}`);
  assert.match(result.stdout, /charts drawn: 4\n/);
  const png = await readFile(out);
  assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  // 1280×1500: the width and height in the IHDR chunk.
  assert.is(png.readUInt32BE(16), 1280);
  assert.is(png.readUInt32BE(20), 1500);
  assert.ok((await stat(out)).size > 50_000, 'a page with charts, not a blank one');
});

test.run();
