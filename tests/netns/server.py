#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""HTTP server of the network-namespace demo (scripts/netns-demo.sh).

  GET  /f/NAME   sends ROOT/files/NAME (Content-Length, then the bytes)
  POST /u/NAME   stores the request body, exactly as it arrived (a
                 chunked one without its framing), in ROOT/recv/NAME and
                 answers "LENGTH SHA256\\n"
  GET  /q/NAME?QUERY
                 stores the request target as it arrived (path and
                 query, still percent-encoded) in ROOT/recv/NAME
  GET  /c/NAME   sends ROOT/files/NAME chunked, the chunk sizes read from
                 ROOT/files/NAME.chunks (whitespace-separated; the rest
                 of the file goes as one last chunk), each chunk written
                 on its own
  GET  /z/NAME   sends ROOT/files/NAME gzipped (Content-Encoding: gzip)
                 when the request's Accept-Encoding names gzip, as it is
                 otherwise; stores that header as it arrived (JSON:
                 {"accept_encoding": VALUE or null}) in
                 ROOT/recv/NAME.headers.json

Threaded (one thread per connection) with a deep listen queue, so a
few hundred clients can connect at once. Writes ROOT/ready once it
listens; logs one line per request to stderr.

usage: server.py --root DIR [--port 8080]
"""
import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = re.compile(r"^/([fucz])/([A-Za-z0-9._-]+)$")
QUERY = re.compile(r"^/q/([A-Za-z0-9._-]+)\?")
CHUNK = 1 << 16


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "wiremask-netns-demo"

    def log_message(self, fmt, *args):
        sys.stderr.write("%s %s\n" % (self.client_address[0], fmt % args))

    def reply(self, code, body, ctype="text/plain"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        q = QUERY.match(self.path)
        if q:
            # The request target exactly as it came, encoding and all.
            with open(os.path.join(self.server.root, "recv", q.group(1)),
                      "w") as f:
                f.write(self.path)
            return self.reply(200, b"ok\n")
        m = NAME.match(self.path)
        if not m or m.group(1) not in "fcz":
            return self.reply(404, b"not found\n")
        path = os.path.join(self.server.root, "files", m.group(2))
        try:
            f = open(path, "rb")
        except OSError:
            return self.reply(404, b"not found\n")
        with f:
            if m.group(1) == "c":
                return self.send_chunked(f.read(), path + ".chunks")
            if m.group(1) == "z":
                return self.send_gzip(f.read(), m.group(2))
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            shutil.copyfileobj(f, self.wfile, CHUNK)

    def send_chunked(self, body, sizes_path):
        with open(sizes_path) as f:
            sizes = [int(x) for x in f.read().split()]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        off = 0
        for n in sizes + [len(body)]:
            part = body[off:off + n]
            off += len(part)
            if part:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
        self.wfile.write(b"0\r\n\r\n")

    def send_gzip(self, body, name):
        ae = self.headers.get("Accept-Encoding")
        with open(os.path.join(self.server.root, "recv",
                               name + ".headers.json"), "w") as f:
            json.dump({"accept_encoding": ae}, f)
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if ae is not None and "gzip" in ae.lower():
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_chunked(self, f, h):
        """A chunked body (RFC 9112 7.1) into f, without its framing;
        the length, or None if the framing is broken."""
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                n = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                return None
            if n == 0:
                break
            b = self.rfile.read(n)
            if len(b) != n or self.rfile.read(2) != b"\r\n":
                return None
            h.update(b)
            f.write(b)
            total += n
        while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
            pass  # trailer fields
        return total

    def do_POST(self):
        m = NAME.match(self.path)
        length = self.headers.get("Content-Length")
        chunked = "chunked" in self.headers.get("Transfer-Encoding",
                                                "").lower()
        if m and m.group(1) == "u" and chunked:
            h = hashlib.sha256()
            path = os.path.join(self.server.root, "recv", m.group(2))
            with open(path + ".part", "wb") as f:
                n = self.read_chunked(f, h)
            os.replace(path + ".part", path)
            if n is None:
                self.close_connection = True
                return self.reply(400, b"broken chunked framing\n")
            return self.reply(200, ("%d %s\n" % (n, h.hexdigest())).encode())
        if not m or m.group(1) != "u" or length is None:
            self.close_connection = True
            return self.reply(400, b"POST /u/NAME with a Content-Length\n")
        left = int(length)
        h = hashlib.sha256()
        path = os.path.join(self.server.root, "recv", m.group(2))
        with open(path + ".part", "wb") as f:
            while left > 0:
                b = self.rfile.read1(min(left, CHUNK))
                if not b:
                    break
                h.update(b)
                f.write(b)
                left -= len(b)
        os.replace(path + ".part", path)
        if left:
            self.close_connection = True
            return self.reply(400, b"short body\n")
        self.reply(200, ("%s %s\n" % (length, h.hexdigest())).encode())


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser(description="demo HTTP server")
    p.add_argument("--root", required=True)
    p.add_argument("--port", type=int, default=8080)
    a = p.parse_args()
    os.makedirs(os.path.join(a.root, "recv"), exist_ok=True)
    os.makedirs(os.path.join(a.root, "files"), exist_ok=True)
    srv = Server(("0.0.0.0", a.port), Handler)
    srv.root = a.root
    with open(os.path.join(a.root, "ready"), "w") as f:
        f.write("%d\n" % os.getpid())
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
