#!/usr/bin/env node
// lastword adapter for headless Chromium's WebSocket (Debian's chromium,
// driven by puppeteer-core), events profile. The page connects, runs the
// consumer's steps (block busy-waits in the page's own event loop) and
// reports message and close events in dispatch order.
// usage: node chromium-client.js URL
'use strict';
const { steps, print } = require('./common');
const puppeteer = require('puppeteer-core');

(async () => {
  const browser = await puppeteer.launch({
    executablePath: process.env.LASTWORD_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
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
  await finished;
  await browser.close();
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
