#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""HTTP server of the network-namespace demo (scripts/netns-demo.sh).

  GET  /f/NAME   sends ROOT/files/NAME (Content-Length, then the bytes)
  POST /u/NAME   stores the request body, exactly as it arrived, in
                 ROOT/recv/NAME and answers "LENGTH SHA256\\n"

Threaded (one thread per connection) with a deep listen queue, so a
few hundred clients can connect at once. Writes ROOT/ready once it
listens; logs one line per request to stderr.

usage: server.py --root DIR [--port 8080]
"""
import argparse
import hashlib
import os
import re
import shutil
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

NAME = re.compile(r"^/([fu])/([A-Za-z0-9._-]+)$")
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
        m = NAME.match(self.path)
        if not m or m.group(1) != "f":
            return self.reply(404, b"not found\n")
        path = os.path.join(self.server.root, "files", m.group(2))
        try:
            f = open(path, "rb")
        except OSError:
            return self.reply(404, b"not found\n")
        with f:
            size = os.fstat(f.fileno()).st_size
            self.send_response(200)
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            shutil.copyfileobj(f, self.wfile, CHUNK)

    def do_POST(self):
        m = NAME.match(self.path)
        length = self.headers.get("Content-Length")
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
