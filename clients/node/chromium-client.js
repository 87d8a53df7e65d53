#!/usr/bin/env node
// lastword adapter for headless Chromium's WebSocket (Debian's chromium,
// driven by puppeteer-core), events profile. The page connects, runs the
// consumer's steps (block busy-waits in the page's own event loop) and
// reports message and close events in dispatch order.
// usage: node chromium-client.js URL
'use strict';
const { steps, print } = require('./common');
const puppeteer = require('puppeteer-core');

// Progress goes to stderr, which lastword prints when a run is broken (for
// example when the browser takes longer than the wall-clock bound to start).
const t0 = Date.now();
const progress = (what) => process.stderr.write(`chromium-client: ${Date.now() - t0} ms: ${what}\n`);

(async () => {
  const executablePath = process.env.LASTWORD_CHROMIUM || '/usr/bin/chromium';
  progress(`launching ${executablePath}`);
  const browser = await puppeteer.launch({
    executablePath,
    headless: true,
    // The browser's start is bounded by lastword's wall-clock bound, not by
    // puppeteer's own 30 s; without a D-Bus (containers, CI) Chromium waits
    // on it unless told there is none.
    timeout: 0,
    env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'disabled:' },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  progress('browser started');
  let done;
  const finished = new Promise((r) => { done = r; });
  const page = await browser.newPage();
  await page.exposeFunction('lastwordReport', (o) => {
    print(o);
    if (o.result === 'closed') done();
  });
  await page.evaluate((url, steps) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    const hex = (b) => Array.from(new Uint8Array(b), (x) => x.toString(16).padStart(2, '0')).join('');
    ws.onmessage = (e) => window.lastwordReport(typeof e.data === 'string'
      ? { result: 'message', type: 'text', data: e.data }
      : { result: 'message', type: 'binary', hex: hex(e.data) });
    ws.onerror = () => window.lastwordReport({ result: 'error', text: 'error event' });
    ws.onclose = (e) => window.lastwordReport({ result: 'closed', code: e.code, reason: e.reason, clean: e.wasClean });
    ws.onopen = async () => {
      for (const s of steps) {
        if (s.do === 'block') { const end = Date.now() + s.ms; while (Date.now() < end) { /* busy */ } }
        else if (s.do === 'sleep') await new Promise((r) => setTimeout(r, s.ms));
        else if (s.do === 'close') ws.close(s.code, s.reason);
        else if (s.do === 'send') {
          ws.send(s.type === 'text' ? s.data : Uint8Array.from(s.hex.match(/../g) || [], (h) => parseInt(h, 16)));
        }
      }
    };
  }, process.argv[2], steps);
  progress('page connecting');
  await finished;
  await browser.close();
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
