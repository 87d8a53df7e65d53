#!/usr/bin/env python3
"""Writes the seed corpus of the protocol_receive fuzz target.

Each seed is: a flags byte (bit 0 server role, bit 1 application closed
first, bits 2-5 size limit 2^(4+n), bit 6 message limit = frame limit,
bit 7 small reads), a split seed byte, then the received stream.
Run from the project root: python3 scripts/make_protocol_seeds.py
"""
import os
import struct

OUT = os.path.join("corpus", "protocol_receive")
KEY = bytes([0x37, 0xFA, 0x21, 0x3D])


def frame(op, payload=b"", fin=True, masked=False, rsv=0, length=None):
    n = len(payload) if length is None else length
    b0 = (0x80 if fin else 0) | rsv | op
    mask_bit = 0x80 if masked else 0
    if n < 126:
        head = bytes([b0, mask_bit | n])
    elif n <= 0xFFFF:
        head = bytes([b0, mask_bit | 126]) + struct.pack(">H", n)
    else:
        head = bytes([b0, mask_bit | 127]) + struct.pack(">Q", n)
    if masked:
        payload = bytes(c ^ KEY[i % 4] for i, c in enumerate(payload))
        head += KEY
    return head + payload


def close(code=1000, reason=b"", **kw):
    return frame(0x8, struct.pack(">H", code) + reason, **kw)


def seed(name, stream, server=False, close_first=False, limit=16, small_reads=False, split=7):
    flags = (1 if server else 0) | (2 if close_first else 0) | ((limit - 4) << 2) | (0x80 if small_reads else 0)
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(bytes([flags, split]) + stream)


def both(name, frames_fn, **kw):
    seed(name + "_client", frames_fn(False), server=False, **kw)
    seed(name + "_server", frames_fn(True), server=True, **kw)


os.makedirs(OUT, exist_ok=True)
both("text_then_close", lambda m: frame(1, b"Hello", masked=m) + close(masked=m))
both("fragmented_with_ping", lambda m: frame(1, b"Hel", fin=False, masked=m) + frame(9, b"p", masked=m)
     + frame(0, b"lo", masked=m) + close(1001, b"bye", masked=m))
both("closing_then_data", lambda m: frame(2, b"\x00\x01", masked=m) + frame(1, b"late", masked=m)
     + close(masked=m), close_first=True)
both("eof_without_close", lambda m: frame(1, b"no close", masked=m) + frame(2, b"", masked=m))
both("data_after_close", lambda m: close(masked=m) + frame(1, b"after", masked=m))
both("utf8_split", lambda m: frame(1, "\u20ac".encode()[:1], fin=False, masked=m)
     + frame(0, "\u20ac".encode()[1:], masked=m) + close(masked=m), small_reads=True)
both("invalid_utf8", lambda m: frame(1, b"ok", masked=m) + frame(1, b"\xc3\x28", masked=m))
both("reserved_bits", lambda m: frame(1, b"ok", masked=m) + frame(1, b"x", rsv=0x40, masked=m))
both("unknown_opcode", lambda m: frame(3, b"", masked=m))
both("wrong_mask", lambda m: frame(1, b"x", masked=not m))
both("control_too_long", lambda m: frame(9, b"x" * 126, masked=m))
both("fragmented_ping", lambda m: frame(9, b"", fin=False, masked=m))
both("continuation_alone", lambda m: frame(0, b"x", masked=m))
both("text_inside_message", lambda m: frame(1, b"a", fin=False, masked=m) + frame(1, b"b", masked=m))
both("close_one_byte", lambda m: frame(8, b"\x03", masked=m))
both("close_bad_code", lambda m: close(1005, masked=m))
both("close_bad_reason", lambda m: close(1000, b"\xff", masked=m))
both("too_big", lambda m: frame(1, b"x" * 200, masked=m), limit=7)
both("message_too_big", lambda m: frame(2, b"x" * 100, fin=False, masked=m) + frame(0, b"y" * 100, masked=m),
     limit=7)
both("top_bit_length", lambda m: bytes([0x82, (0x80 if m else 0) | 127, 0x80, 0, 0, 0, 0, 0, 0, 1]))
both("non_minimal", lambda m: bytes([0x82, (0x80 if m else 0) | 126, 0, 5]) + (KEY if m else b"") + b"12345")
both("pings_then_close_fin", lambda m: frame(9, b"a", masked=m) + frame(10, b"b", masked=m)
     + frame(9, b"", masked=m) + close(4000, b"app", masked=m))

# The differential target reads the same streams with one flags byte (bit 0
# server role, bits 1-5 message limit 2^(4+n)); application-closes-first
# seeds have no counterpart there.
DIFF = os.path.join("corpus", "differential")
os.makedirs(DIFF, exist_ok=True)
for name in sorted(os.listdir(OUT)):
    with open(os.path.join(OUT, name), "rb") as f:
        data = f.read()
    flags = data[0]
    if flags & 2:
        continue
    limit_shift = 4 + ((flags >> 2) & 15)
    limit_shift = min(limit_shift * 1, 20)
    if not flags & 0x40:
        limit_shift = min(limit_shift + 2, 20)  # the message limit is four frames
    with open(os.path.join(DIFF, name), "wb") as f:
        f.write(bytes([(flags & 1) | ((limit_shift - 4) << 1)]) + data[2:])

# permessage-deflate seeds of the differential target: flags bit 6 agrees on
# the extension, bit 7 on no_context_takeover. Messages are compressed as
# RFC 7692 section 7.2.1 says (raw DEFLATE, sync flush, the final 00 00 ff ff
# removed), with Python's zlib.
import zlib


class Deflater:
    def __init__(self, no_context_takeover=False):
        self.nct = no_context_takeover
        self.z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)

    def compress(self, data):
        out = self.z.compress(data) + self.z.flush(zlib.Z_SYNC_FLUSH)
        assert out.endswith(b"\x00\x00\xff\xff")
        out = out[:-4] or b"\x00"
        if self.nct:
            self.z = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        return out


def deflate_seed(name, make, limit=20, nct=False):
    for server in (False, True):
        z = Deflater(nct)
        stream = make(z, server)
        flags = (1 if server else 0) | ((limit - 4) << 1) | 0x40 | (0x80 if nct else 0)
        with open(os.path.join(DIFF, "deflate_%s_%s" % (name, "server" if server else "client")), "wb") as f:
            f.write(bytes([flags]) + stream)


RSV1 = 0x40
deflate_seed("messages", lambda z, m: frame(1, z.compress(b"hello hello"), rsv=RSV1, masked=m)
             + frame(1, z.compress(b"hello again"), rsv=RSV1, masked=m)
             + frame(2, b"plain", masked=m) + close(1000, masked=m))
deflate_seed("no_context_takeover", lambda z, m: frame(1, z.compress(b"same words"), rsv=RSV1, masked=m)
             + frame(1, z.compress(b"same words"), rsv=RSV1, masked=m) + close(1000, masked=m), nct=True)


def fragmented(z, m):
    packed = z.compress(b"q" * 3000 + b"end")
    half = len(packed) // 2
    return (frame(1, packed[:half], fin=False, rsv=RSV1, masked=m) + frame(9, b"p", masked=m)
            + frame(0, packed[half:], masked=m) + close(1001, masked=m))


deflate_seed("fragmented_with_ping", fragmented)
deflate_seed("bad_data", lambda z, m: frame(1, z.compress(b"first"), rsv=RSV1, masked=m)
             + frame(1, b"\xff\xff\xff\xff", rsv=RSV1, masked=m) + close(1000, masked=m))
deflate_seed("bomb", lambda z, m: frame(2, z.compress(b"a" * (1 << 20)), rsv=RSV1, masked=m) + close(1000, masked=m),
             limit=12)
deflate_seed("inflated_not_utf8", lambda z, m: frame(1, z.compress(b"\xc3\x28"), rsv=RSV1, masked=m)
             + close(1000, masked=m))
deflate_seed("rsv1_on_continuation", lambda z, m: frame(1, b"a", fin=False, masked=m)
             + frame(0, z.compress(b"b"), rsv=RSV1, masked=m) + close(1000, masked=m))
