#!/usr/bin/env node
// lastword adapter for the node `ws` server, events profile: listens on
// PORT, takes one connection, runs the consumer steps on it, reports its
// events, and exits after the close event.
// usage: node ws-server.js PORT [ws|ws1]
'use strict';
const { steps, deflate, print, messageResult, block, sleep } = require('./common');

const which = process.argv[3] || 'ws';
const WebSocket = require(which === 'ws1' ? 'ws1' : 'ws');
const Server = WebSocket.WebSocketServer || WebSocket.Server;
const wss = new Server({ host: '127.0.0.1', port: Number(process.argv[2]), perMessageDeflate: deflate });

wss.on('connection', (ws) => {
  ws.on('message', (data, flags) => {
    const isBinary = typeof flags === 'boolean' ? flags : !!(flags && flags.binary);
    print(messageResult(data, isBinary));
  });
  ws.on('error', (e) => print({ result: 'error', text: String(e && e.message) }));
  ws.on('close', (code, reason) => {
    const clean = '_closeFrameReceived' in ws ? !!(ws._closeFrameReceived && ws._closeFrameSent) : code !== 1006;
    print({ result: 'closed', code, reason: String(reason || ''), clean });
    process.exit(0);
  });
  (async () => {
    for (const s of steps) {
      if (s.do === 'block') block(s.ms);
      else if (s.do === 'sleep') await sleep(s.ms);
      else if (s.do === 'close') ws.close(s.code, s.reason);
      else if (s.do === 'send') ws.send(s.type === 'text' ? s.data : Buffer.from(s.hex, 'hex'));
    }
  })();
});
