/**
 * A real browser for the tests of what qg draws: Debian's `chromium` in headless mode,
 * driven from the command line (`--dump-dom`: the page's DOM after its scripts ran), no
 * puppeteer. Missing, it fails the tests that need it unless QG_ALLOW_MISSING_TOOLS=1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ALLOW_MISSING_TOOLS } from './external-tools.js';

/** True when `chromium` is on the PATH. */
export const HAS_CHROMIUM: boolean = spawnSync('chromium', ['--version'], { encoding: 'utf8' }).status === 0;

/** Skip (only with QG_ALLOW_MISSING_TOOLS=1) when Chromium is missing; else the test runs and fails loudly. */
export const SKIP_WITHOUT_CHROMIUM = !HAS_CHROMIUM && ALLOW_MISSING_TOOLS;

/**
 * The DOM of the page at `path` once it has loaded and its scripts have run, serialized as
 * HTML. Throws when Chromium is missing (install Debian's `chromium`, as .ci/run does) or fails.
 */
export function dumpDom(path: string): string {
  if (!HAS_CHROMIUM) throw new Error("chromium is missing: apt-get install -y --no-install-recommends chromium (as .ci/run does), or QG_ALLOW_MISSING_TOOLS=1 to skip");
  // Its own profile folder: parallel test files must not share one.
  const profile = mkdtempSync(join(tmpdir(), 'qg-chromium-'));
  try {
    const r = spawnSync('chromium', [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', `--user-data-dir=${profile}`,
      // no network at all: a page that needs one shows it as missing content
      '--proxy-server=127.0.0.1:9', '--dump-dom', pathToFileURL(path).href,
    ], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 << 20 });
    if (r.status !== 0 || !r.stdout) throw new Error(`chromium failed (${r.status ?? r.signal}): ${r.stderr || r.error?.message}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

/** One element's box on the page, in CSS pixels relative to its `<svg>`. */
export interface ElementBox {
  readonly tag: string;
  readonly text: string;
  readonly left: number;
  readonly right: number;
  readonly top: number;
  readonly bottom: number;
}

/**
 * Lays `svg` out in Chromium and measures it: its size, and the rendered box of every
 * `<text>` and `<rect>` (transforms applied, real font metrics), relative to the drawing.
 */
export function measureSvg(svg: string): { width: number; height: number; boxes: ElementBox[] } {
  const dir = mkdtempSync(join(tmpdir(), 'qg-svg-'));
  try {
    const page = join(dir, 'measure.html');
    writeFileSync(page, `<!doctype html><html><body style="margin:0">${svg.replace(/^<\?xml[^>]*>/, '')}<pre id="measured"></pre><script>
const svg = document.querySelector('svg');
const origin = svg.getBoundingClientRect();
const boxes = [...svg.querySelectorAll('text, rect')].map((e) => {
  const b = e.getBoundingClientRect();
  return { tag: e.tagName, text: e.tagName === 'text' ? e.textContent : '', left: b.left - origin.left, right: b.right - origin.left, top: b.top - origin.top, bottom: b.bottom - origin.top };
});
document.getElementById('measured').textContent = JSON.stringify({ width: origin.width, height: origin.height, boxes });
</script></body></html>`);
    const json = /<pre id="measured">([^<]*)<\/pre>/.exec(dumpDom(page))?.[1];
    if (!json) throw new Error('chromium did not run the measuring script');
    return JSON.parse(json.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')) as { width: number; height: number; boxes: ElementBox[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
