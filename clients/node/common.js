// Shared by the node adapters: the adapter contract of clients/README.md.
'use strict';
const fs = require('fs');

const steps = JSON.parse(process.env.LASTWORD_STEPS || '[]');
const profile = process.env.LASTWORD_PROFILE || 'recv';
const deflate = process.env.LASTWORD_DEFLATE === '1';

// Synchronous, so that nothing is lost when the adapter exits at once.
function print(obj) {
  fs.writeSync(1, JSON.stringify(obj) + '\n');
}

function messageResult(data, isBinary) {
  if (isBinary) return { result: 'message', type: 'binary', hex: Buffer.from(data).toString('hex') };
  return { result: 'message', type: 'text', data: Buffer.isBuffer(data) ? data.toString('utf8') : String(data) };
}

// Blocks the event loop: nothing is dispatched meanwhile.
function block(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) { /* busy */ }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

module.exports = { steps, profile, deflate, print, messageResult, block, sleep };
