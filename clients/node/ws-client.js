#!/usr/bin/env node
// lastword adapter for the node `ws` client, events profile.
// usage: node ws-client.js URL [ws|ws1]   (ws1: ws 1.1.1 from the ws1 alias)
'use strict';
const { steps, deflate, print, messageResult, block, sleep } = require('./common');

const which = process.argv[3] || 'ws';
const WebSocket = require(which === 'ws1' ? 'ws1' : 'ws');
const ws = new WebSocket(process.argv[2], { perMessageDeflate: deflate });

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
ws.on('open', async () => {
  for (const s of steps) {
    if (s.do === 'block') block(s.ms);
    else if (s.do === 'sleep') await sleep(s.ms);
    else if (s.do === 'close') ws.close(s.code, s.reason);
    else if (s.do === 'send') ws.send(s.type === 'text' ? s.data : Buffer.from(s.hex, 'hex'));
    // recv: the events are the results (events profile)
  }
});
