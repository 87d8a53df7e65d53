#!/usr/bin/env python3
"""lastword adapter for aiohttp's WebSocket client, recv profile.

usage: aiohttp_client.py URL
"""
import asyncio
import json
import os
import sys
import time

import aiohttp


def out(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


async def main():
    steps = json.loads(os.environ.get("LASTWORD_STEPS", "[]"))
    compress = 15 if os.environ.get("LASTWORD_DEFLATE") == "1" else 0
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(sys.argv[1], compress=compress, autoclose=True, autoping=True)
        except Exception as e:
            out({"result": "error", "text": "connect: %r" % e})
            return

        def closed():
            # aiohttp keeps the received close code; it tells no reason
            # apart from the CLOSE message, which recv() returns first.
            code = ws.close_code if ws.close_code is not None else 1006
            return {"result": "closed", "code": code, "reason": "", "clean": ws.close_code is not None and code != 1006}

        for s in steps:
            op = s["do"]
            if op == "sleep":
                await asyncio.sleep(s["ms"] / 1000)
            elif op == "block":
                time.sleep(s["ms"] / 1000)
            elif op == "recv":
                try:
                    timeout = s["timeout"] / 1000 if "timeout" in s else None
                    m = await ws.receive(timeout=timeout)
                except asyncio.TimeoutError:
                    out({"result": "timeout"})
                    continue
                except Exception as e:
                    out({"result": "error", "text": repr(e)})
                    continue
                if m.type == aiohttp.WSMsgType.TEXT:
                    out({"result": "message", "type": "text", "data": m.data})
                elif m.type == aiohttp.WSMsgType.BINARY:
                    out({"result": "message", "type": "binary", "hex": m.data.hex()})
                elif m.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED):
                    r = closed()
                    if m.type == aiohttp.WSMsgType.CLOSE:
                        # The CLOSE message carries the received code and reason.
                        r["code"] = m.data if isinstance(m.data, int) else r["code"]
                        r["reason"] = m.extra if isinstance(m.extra, str) else ""
                        r["clean"] = ws.close_code is not None
                    out(r)
                elif m.type == aiohttp.WSMsgType.ERROR:
                    out({"result": "error", "text": repr(m.data)})
            elif op == "send":
                try:
                    if s["type"] == "text":
                        await ws.send_str(s["data"])
                    else:
                        await ws.send_bytes(bytes.fromhex(s["hex"]))
                    out({"result": "sent"})
                except Exception as e:
                    out({"result": "error", "text": repr(e)})
            elif op == "close":
                try:
                    await ws.close(code=s["code"], message=s["reason"].encode())
                    out(closed())
                except Exception as e:
                    out({"result": "error", "text": repr(e)})


asyncio.run(main())
