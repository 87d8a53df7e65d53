#!/usr/bin/env node
// A planted bug for lastword's own tests: the ws 8 adapter, but the last
// message received before the close is never reported (the class of bug
// D exists for). lastword must flag it.
'use strict';
const fs = require('fs');
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[2]);
let held = null;
const print = (o) => fs.writeSync(1, JSON.stringify(o) + '\n');
ws.on('message', (data, isBinary) => {
  if (held) print(held);
  held = isBinary ? { result: 'message', type: 'binary', hex: Buffer.from(data).toString('hex') }
                  : { result: 'message', type: 'text', data: data.toString() };
});
ws.on('error', () => {});
ws.on('close', (code, reason) => {
  print({ result: 'closed', code, reason: String(reason || ''), clean: code !== 1006 });
  process.exit(0);
});
