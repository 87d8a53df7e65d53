#!/usr/bin/env node
// lastword adapter for the node `ws` server, events profile: listens on
// PORT, takes one connection, runs the consumer steps on it, reports its
// events, and exits after the close event.
// usage: node ws-server.js PORT [ws|ws1]
'use strict';
const { deflate, attachEvents, runSteps } = require('./common');

const which = process.argv[3] || 'ws';
const WebSocket = require(which === 'ws1' ? 'ws1' : 'ws');
const Server = WebSocket.WebSocketServer || WebSocket.Server;
const wss = new Server({ host: '127.0.0.1', port: Number(process.argv[2]), perMessageDeflate: deflate });

wss.on('connection', (ws) => {
  attachEvents(ws);
  runSteps(ws);
});
