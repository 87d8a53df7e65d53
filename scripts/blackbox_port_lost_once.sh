#!/usr/bin/env bash
# A server under test that loses its port once: the first start (no MARKER
# file yet) says EADDRINUSE, as a server does whose port another program
# bound first, and exits 1; later starts run ws 8's server on PORT.
# usage: blackbox_port_lost_once.sh MARKER PORT
set -eu
marker=$1 port=$2
if [ ! -e "$marker" ]; then
  : >"$marker"
  echo "Error: listen EADDRINUSE: address already in use 127.0.0.1:$port" >&2
  exit 1
fi
exec node "$(dirname "$0")/../clients/node/ws-server.js" "$port" ws
