#!/usr/bin/env python3
"""lastword adapter for the python-websockets server, recv profile.

usage: websockets_server.py PORT [asyncio|legacy]
Listens on PORT, takes one connection, runs the consumer steps on it
(the same steps and result lines as websockets_client.py), then exits.
"""
import asyncio
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from websockets_client import out, run_steps  # noqa: E402


async def main():
    port = int(sys.argv[1])
    api = sys.argv[2] if len(sys.argv) > 2 else "legacy"
    steps = json.loads(os.environ.get("LASTWORD_STEPS", "[]"))
    compression = "deflate" if os.environ.get("LASTWORD_DEFLATE") == "1" else None
    if api == "asyncio":
        from websockets.asyncio.server import serve
    else:
        try:
            from websockets.legacy.server import serve
        except ImportError:
            from websockets.server import serve
    done = asyncio.get_running_loop().create_future()

    async def handler(ws, *path):
        try:
            await run_steps(ws, steps)
        finally:
            if not done.done():
                done.set_result(None)

    async with serve(handler, "127.0.0.1", port, compression=compression):
        await done


asyncio.run(main())
