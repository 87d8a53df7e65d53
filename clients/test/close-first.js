#!/usr/bin/env node
// A planted bug for lastword's own tests: the ws 8 adapter, but close()
// runs before the sends that the consumer made before it, so the close
// frame overtakes them (the class of bug S exists for).
'use strict';
const { steps, print, messageResult } = require('../node/common');
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[2]);
ws.on('message', (data, isBinary) => print(messageResult(data, isBinary)));
ws.on('error', () => {});
ws.on('close', (code, reason) => {
  print({ result: 'closed', code, reason: String(reason || ''), clean: code !== 1006 });
  process.exit(0);
});
ws.on('open', () => {
  const close = steps.find((s) => s.do === 'close');
  if (close) ws.close(close.code, close.reason);
  for (const s of steps) if (s.do === 'send') ws.send(s.type === 'text' ? s.data : Buffer.from(s.hex, 'hex'));
});
