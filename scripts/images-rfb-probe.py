#!/usr/bin/env python3
"""Checks a vncapp container (or the hub's proxy in front of it) the way noVNC uses it:
opens the WebSocket, reads the RFB greeting, completes the handshake (security type
None), prints the desktop size and name, then asks for one full frame and reports how
many distinct colours it holds (a blank desktop has one).

Usage: python3 scripts/images-rfb-probe.py ws://HOST:PORT/user/alice/containers/ID/websockify
         [--header 'Cookie: ...'] [--no-frame] [--png FRAME.png]
Exit status 0 when the handshake succeeded. Standard library only.
"""
import argparse
import base64
import os
import socket
import struct
import sys
import zlib
from urllib.parse import urlsplit


class WebSocket:
    def __init__(self, url, headers, timeout=10.0):
        parts = urlsplit(url)
        if parts.scheme != "ws":
            raise SystemExit("only ws:// URLs are supported")
        port = parts.port or 80
        self.sock = socket.create_connection((parts.hostname, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        path = parts.path + ("?" + parts.query if parts.query else "")
        request = [
            f"GET {path or '/'} HTTP/1.1",
            f"Host: {parts.hostname}:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Protocol: binary",
            *headers,
        ]
        self.sock.sendall(("\r\n".join(request) + "\r\n\r\n").encode())
        self.buffer = b""
        head = self._read_until(b"\r\n\r\n")
        self.status_line = head.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 101 " not in self.status_line + " ":
            raise ConnectionError(f"no WebSocket upgrade: {self.status_line}")
        self.pending = b""

    def _read_until(self, marker):
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed during the upgrade")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(marker, 1)
        return head

    def _read_exact(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def _read_frame(self):
        b0, b1 = self._read_exact(2)
        opcode, length = b0 & 0x0F, b1 & 0x7F
        if length == 126:
            (length,) = struct.unpack(">H", self._read_exact(2))
        elif length == 127:
            (length,) = struct.unpack(">Q", self._read_exact(8))
        mask = self._read_exact(4) if b1 & 0x80 else None
        payload = self._read_exact(length)
        if mask:
            payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        return opcode, payload

    def recv(self, n):
        """n bytes of the RFB stream, across WebSocket frames."""
        while len(self.pending) < n:
            opcode, payload = self._read_frame()
            if opcode == 0x8:
                raise ConnectionError("WebSocket closed by the server")
            if opcode in (0x0, 0x1, 0x2):
                self.pending += payload
        data, self.pending = self.pending[:n], self.pending[n:]
        return data

    def send(self, data):
        mask = os.urandom(4)
        header = bytes([0x82])
        if len(data) < 126:
            header += bytes([0x80 | len(data)])
        elif len(data) < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(data))
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", len(data))
        masked = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
        self.sock.sendall(header + mask + masked)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url")
    parser.add_argument("--header", action="append", default=[], help="extra request header")
    parser.add_argument("--no-frame", action="store_true", help="stop after ServerInit")
    parser.add_argument("--png", help="save the frame as this PNG file")
    args = parser.parse_args()

    ws = WebSocket(args.url, args.header)
    print(f"upgrade: {ws.status_line}")
    greeting = ws.recv(12)
    print(f"greeting: {greeting.decode(errors='replace').strip()}")
    if not greeting.startswith(b"RFB 003."):
        raise SystemExit("not an RFB server")
    ws.send(b"RFB 003.008\n")
    (count,) = ws.recv(1)
    if count == 0:
        (reason_length,) = struct.unpack(">I", ws.recv(4))
        raise SystemExit("server refused: " + ws.recv(reason_length).decode(errors="replace"))
    types = list(ws.recv(count))
    if 1 not in types:
        raise SystemExit(f"security type None not offered (offered: {types})")
    ws.send(b"\x01")
    (result,) = struct.unpack(">I", ws.recv(4))
    if result != 0:
        raise SystemExit("security handshake failed")
    ws.send(b"\x01")  # ClientInit: shared
    width, height = struct.unpack(">HH", ws.recv(4))
    pixel_format = ws.recv(16)
    (name_length,) = struct.unpack(">I", ws.recv(4))
    name = ws.recv(name_length).decode(errors="replace")
    print(f"desktop: {width}x{height} depth {pixel_format[1]} name {name!r}")
    if args.no_frame:
        return

    # 32 bits per pixel, true colour, little endian; raw encoding only; one full frame.
    ws.send(struct.pack(">B3xBBBBHHHBBB3x", 0, 32, 24, 0, 1, 255, 255, 255, 16, 8, 0))
    ws.send(struct.pack(">BxHi", 2, 1, 0))
    ws.send(struct.pack(">BBHHHH", 3, 0, 0, 0, width, height))
    colours, pixels = set(), 0
    frame = bytearray(width * height * 3)
    while pixels < width * height:
        message_type = ws.recv(1)[0]
        if message_type != 0:  # bell, colour map, cut text: not expected here
            raise SystemExit(f"unexpected server message {message_type}")
        (rects,) = struct.unpack(">xH", ws.recv(3))
        for _ in range(rects):
            _x, _y, w, h, encoding = struct.unpack(">HHHHi", ws.recv(12))
            if encoding == -223:  # DesktopSize pseudo-rectangle
                width, height = w, h
                continue
            if encoding != 0:
                raise SystemExit(f"unexpected encoding {encoding}")
            data = ws.recv(w * h * 4)
            colours.update(data[i : i + 3] for i in range(0, len(data), 4 * 7))
            pixels += w * h
            for row in range(h):
                line = data[row * w * 4 : (row + 1) * w * 4]
                rgb = bytearray(w * 3)
                rgb[0::3], rgb[1::3], rgb[2::3] = line[2::4], line[1::4], line[0::4]
                start = ((_y + row) * width + _x) * 3
                frame[start : start + w * 3] = rgb
    print(f"frame: {pixels} pixels, {len(colours)} distinct colours (sampled)")
    if args.png:
        write_png(args.png, width, height, frame)
        print(f"saved {args.png}")


def write_png(path, width, height, rgb):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(rgb[y * width * 3 : (y + 1) * width * 3]) for y in range(height))
    with open(path, "wb") as out:
        out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)))
        out.write(chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


if __name__ == "__main__":
    try:
        main()
    except (ConnectionError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)
