#!/usr/bin/env node
// A broken adapter for lastword's own tests: connects, then prints a line
// that is not a result.
'use strict';
const WebSocket = require('ws');
const ws = new WebSocket(process.argv[2]);
ws.on('open', () => { require('fs').writeSync(1, 'hello, not JSON\n'); process.exit(0); });
ws.on('error', () => process.exit(1));
