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

// The events of a node `ws` socket (client or server side), in dispatch
// order; the adapter exits after the close event.
function attachEvents(ws) {
  ws.on('message', (data, flags) => {
    // ws 8 passes (data, isBinary); ws 1.x passes (data, {binary}).
    const isBinary = typeof flags === 'boolean' ? flags : !!(flags && flags.binary);
    print(messageResult(data, isBinary));
  });
  ws.on('error', (e) => print({ result: 'error', text: String(e && e.message) }));
  ws.on('close', (code, reason) => {
    // ws reports no wasClean: the handshake completed when a close frame came
    // both ways, which ws tells by the code (1005 for an empty close frame,
    // 1006 when none came) and by having sent its own.
    const clean = '_closeFrameReceived' in ws ? !!(ws._closeFrameReceived && ws._closeFrameSent) : code !== 1006;
    print({ result: 'closed', code, reason: String(reason || ''), clean });
    process.exit(0);
  });
}

// The consumer steps on a node `ws` socket; recv steps need nothing: the
// events are the results (events profile).
async function runSteps(ws) {
  for (const s of steps) {
    if (s.do === 'block') block(s.ms);
    else if (s.do === 'sleep') await sleep(s.ms);
    else if (s.do === 'close') ws.close(s.code, s.reason);
    else if (s.do === 'send') ws.send(s.type === 'text' ? s.data : Buffer.from(s.hex, 'hex'));
  }
}

module.exports = { steps, profile, deflate, print, messageResult, block, sleep, attachEvents, runSteps };
