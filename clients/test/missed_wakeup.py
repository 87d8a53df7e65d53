#!/usr/bin/env python3
"""A planted bug for lastword's own tests: the python-websockets adapter,
but a recv with a timeout never wakes up for the end of the connection: it
waits out its timeout and reports a timeout (SPEC L). lastword must flag it.
"""
import asyncio
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
import websockets_client  # noqa: E402

real_run_steps = websockets_client.run_steps


async def planted(ws, steps):
    for s in steps:
        if s["do"] == "recv" and "timeout" in s:
            await asyncio.sleep(s["timeout"] / 1000)
            websockets_client.out({"result": "timeout"})
        else:
            await real_run_steps(ws, [s])


websockets_client.run_steps = planted
asyncio.run(websockets_client.main())
