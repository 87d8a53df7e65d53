#!/usr/bin/env python3
"""lastword adapter for python-websockets, recv profile (clients/README.md).

usage: websockets_client.py URL [asyncio|legacy]
asyncio: websockets.asyncio.client (13.0 and later); legacy:
websockets.client / websockets.legacy.client. Uses whatever `websockets`
is on PYTHONPATH.
"""
import asyncio
import json
import os
import sys
import time


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def message(m):
    if isinstance(m, str):
        return {"result": "message", "type": "text", "data": m}
    return {"result": "message", "type": "binary", "hex": bytes(m).hex()}


def closed(exc, ws):
    import websockets.exceptions as wse
    # After close(): the legacy API keeps the close frames on the
    # connection, the asyncio API on its Sans-I/O protocol.
    holder = ws if hasattr(ws, "close_rcvd") else getattr(ws, "protocol", ws)
    rcvd = getattr(exc, "rcvd", None) if exc is not None else getattr(holder, "close_rcvd", None)
    sent = getattr(exc, "sent", None) if exc is not None else getattr(holder, "close_sent", None)
    code = rcvd.code if rcvd is not None else 1006
    reason = rcvd.reason if rcvd is not None else ""
    normal = isinstance(exc, wse.ConnectionClosedOK) if exc is not None else None
    r = {"result": "closed", "code": code, "reason": reason, "clean": rcvd is not None and sent is not None}
    if normal is None:
        normal = r["clean"] and code in (1000, 1001, 1005) and sent.code in (1000, 1001, 1005)
    r["normal"] = normal
    return r


async def main():
    url = sys.argv[1]
    api = sys.argv[2] if len(sys.argv) > 2 else "legacy"
    steps = json.loads(os.environ.get("LASTWORD_STEPS", "[]"))
    compression = "deflate" if os.environ.get("LASTWORD_DEFLATE") == "1" else None
    import websockets.exceptions as wse
    if api == "asyncio":
        from websockets.asyncio.client import connect
    else:
        try:
            from websockets.legacy.client import connect
        except ImportError:
            from websockets.client import connect
    try:
        ws = await connect(url, compression=compression)
    except Exception as e:
        out({"result": "error", "text": "connect: %r" % e})
        return
    await run_steps(ws, steps)


async def run_steps(ws, steps):
    import websockets.exceptions as wse
    for s in steps:
        op = s["do"]
        if op == "sleep":
            await asyncio.sleep(s["ms"] / 1000)
        elif op == "block":
            time.sleep(s["ms"] / 1000)
        elif op == "recv":
            try:
                if "timeout" in s:
                    m = await asyncio.wait_for(ws.recv(), s["timeout"] / 1000)
                else:
                    m = await ws.recv()
                out(message(m))
            except asyncio.TimeoutError:
                out({"result": "timeout"})
            except wse.ConnectionClosed as e:
                out(closed(e, ws))
            except Exception as e:
                out({"result": "error", "text": repr(e)})
        elif op == "send":
            try:
                await ws.send(s["data"] if s["type"] == "text" else bytes.fromhex(s["hex"]))
                out({"result": "sent"})
            except Exception as e:
                out({"result": "error", "text": repr(e)})
        elif op == "close":
            try:
                await ws.close(s["code"], s["reason"])
                out(closed(None, ws))
            except Exception as e:
                out({"result": "error", "text": repr(e)})



if __name__ == "__main__":
    asyncio.run(main())
