#!/usr/bin/env node
// lastword adapter for the node `ws` client, events profile.
// usage: node ws-client.js URL [ws|ws1]   (ws1: ws 1.1.1 from the ws1 alias)
'use strict';
const { deflate, attachEvents, runSteps } = require('./common');

const which = process.argv[3] || 'ws';
const WebSocket = require(which === 'ws1' ? 'ws1' : 'ws');
const ws = new WebSocket(process.argv[2], { perMessageDeflate: deflate });

attachEvents(ws);
ws.on('open', () => runSteps(ws));
