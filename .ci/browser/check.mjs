// Open a static notebook page in headless Chromium, let the widget manager render its saved widgets, move each
// explorer's slider one step with the keyboard, and check that the picture it shows changes. Usage:
//   node check.mjs PAGE.html SCREENSHOT.png   (CHROMIUM: the browser binary, default /usr/bin/chromium)
import path from 'node:path';
import puppeteer from 'puppeteer-core';

const [page_path, shot] = process.argv.slice(2);
const browser = await puppeteer.launch({executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--allow-file-access-from-files', '--disable-gpu']});
const fail = async (msg) => { console.error(`browser check: ${path.basename(page_path)}: ${msg}`); await browser.close(); process.exit(1); };
try {
  const page = await browser.newPage();
  await page.setViewport({width: 1100, height: 900});
  const problems = [];
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', r => problems.push(`request failed: ${r.url()}`));
  page.on('request', r => { if (!/^(file|data|blob):/.test(r.url())) problems.push(`network request: ${r.url()}`); });
  await page.goto('file://' + path.resolve(page_path), {waitUntil: 'load'});
  await page.waitForSelector('.widget-slider .noUi-handle', {timeout: 60000});
  await new Promise(r => setTimeout(r, 500));
  // a fingerprint of the picture each explorer shows: the visible <img>'s pixels, drawn to a canvas
  const shown = () => page.evaluate(() => [...document.querySelectorAll('.widget')].map(w => {
    const img = [...w.querySelectorAll('img')].find(i => i.offsetParent !== null && i.complete && i.naturalWidth > 0);
    if (!img) return null;
    const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
    c.getContext('2d').drawImage(img, 0, 0); return c.toDataURL();
  }));
  const before = await shown();
  const n = before.filter(x => x).length;
  if (n === 0) await fail('no widget shows a picture');
  const widgets = await page.$$('.widget');
  let moved = 0;
  for (const [i, w] of widgets.entries()) {
    const handles = await w.$$('.widget-slider .noUi-handle');
    if (!handles.length || !before[i]) continue;
    const h = handles[handles.length - 1];                      // the last slider of the panel (α, or η)
    await h.focus(); await page.keyboard.press('ArrowRight'); await page.keyboard.press('ArrowRight');
    await new Promise(r => setTimeout(r, 400));
    const after = (await shown())[i];
    if (!after) await fail(`widget ${i}: no picture after moving the slider`);
    if (after === before[i]) await fail(`widget ${i}: the picture did not change when the slider moved`);
    moved++;
    if (moved === 1 && shot) await w.screenshot({path: shot});
  }
  if (moved === 0) await fail('no explorer with a slider');
  if (problems.length) await fail(problems.join('; '));
  console.log(`browser check: ${path.basename(page_path)}: ${n} widget(s) rendered, ${moved} slider(s) moved, the picture changed each time` +
              (shot ? `; screenshot ${shot}` : ''));
} finally { await browser.close(); }
