#!/usr/bin/env python3
"""Fake clusterdata-2011-2 buckets for borgscope's fetch tests.

Serves the folders under --root over HTTP/1.1 on 127.0.0.1: each folder is a
bucket, at http://127.0.0.1:PORT/<bucket>/, with GET, HEAD and "Range:
bytes=N-". One server serves every test of a run (Python starts slowly), so
each test has its own bucket; a bucket is read when first asked for:

  <bucket>/SHA256SUM    written from the bucket's <table>/part-*.csv.gz files
                        (hashlib) when absent
  <bucket>/faults.json  optional faults, by path inside the bucket:
      {"status": {"PATH": [CODE, COUNT]}}  answer CODE to the first COUNT
                                           requests (COUNT null: to all)
      {"drop": {"PATH": BYTES}}    the first full GET sends the headers of the
                                   whole file, BYTES of it, then hangs up
      {"corrupt": ["PATH"]}        serve with one byte changed
      {"ignore_range": ["PATH"]}   answer Range requests with the whole file
  <bucket>.log          beside the bucket: one line per request,
                        "METHOD /PATH RANGE STATUS" (RANGE "-" when none)

The port is written to --port-file once the server listens. The server exits
by itself after --lifetime seconds, or as soon as its parent process is gone.
"""

import argparse
import hashlib
import http.server
import json
import os
import socket
import sys
import threading
import time
import urllib.parse


def write_checksums(folder):
    lines = []
    for table in sorted(os.listdir(folder)):
        table_folder = os.path.join(folder, table)
        if not os.path.isdir(table_folder):
            continue
        for name in sorted(os.listdir(table_folder)):
            if name.startswith("part-") and name.endswith(".csv.gz"):
                with open(os.path.join(table_folder, name), "rb") as shard:
                    digest = hashlib.sha256(shard.read()).hexdigest()
                lines.append(f"{digest}  {table}/{name}\n")
    with open(os.path.join(folder, "SHA256SUM"), "w") as out:
        out.writelines(lines)


class Bucket:
    def __init__(self, root, name):
        self.folder = os.path.join(root, name)
        self.lock = threading.Lock()
        self.log = open(self.folder + ".log", "a")
        faults = {}
        faults_path = os.path.join(self.folder, "faults.json")
        if os.path.exists(faults_path):
            with open(faults_path) as f:
                faults = json.load(f)
        self.status = {path: list(rule) for path, rule in faults.get("status", {}).items()}
        self.drop = dict(faults.get("drop", {}))
        self.corrupt = set(faults.get("corrupt", []))
        self.ignore_range = set(faults.get("ignore_range", []))
        if not os.path.exists(os.path.join(self.folder, "SHA256SUM")):
            write_checksums(self.folder)

    def record(self, line):
        with self.lock:
            self.log.write(line + "\n")
            self.log.flush()

    def injected_status(self, path):
        with self.lock:
            rule = self.status.get(path)
            if rule is None or rule[1] == 0:
                return None
            if rule[1] is not None:
                rule[1] -= 1
            return rule[0]

    def take_drop(self, path):
        with self.lock:
            return self.drop.pop(path, None)


class Buckets:
    def __init__(self, root):
        self.root = root
        self.lock = threading.Lock()
        self.buckets = {}

    def get(self, name):
        with self.lock:
            if name not in self.buckets:
                if not name or not os.path.isdir(os.path.join(self.root, name)):
                    return None
                self.buckets[name] = Bucket(self.root, name)
            return self.buckets[name]


def make_handler(buckets):
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # quiet: each bucket has its log
            pass

        def do_HEAD(self):
            self.serve(send_body=False)

        def do_GET(self):
            self.serve(send_body=True)

        def reply(self, status, body, headers=(), send_body=True):
            if self.bucket is not None:
                self.bucket.record(
                    f"{self.command} /{self.path_in_bucket} {self.headers.get('Range', '-')} {status}")
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def serve(self, send_body):
            path = urllib.parse.unquote(self.path.split("?")[0]).lstrip("/")
            name, _, self.path_in_bucket = path.partition("/")
            self.bucket = buckets.get(name)
            if self.bucket is None:
                return self.reply(404, b"no such bucket\n", send_body=send_body)
            code = self.bucket.injected_status(self.path_in_bucket)
            if code is not None:
                return self.reply(code, b"injected failure\n", send_body=send_body)
            file_path = os.path.realpath(os.path.join(self.bucket.folder, self.path_in_bucket))
            if (not file_path.startswith(self.bucket.folder + os.sep)
                    or not os.path.isfile(file_path)):
                return self.reply(404, b"no such object\n", send_body=send_body)
            with open(file_path, "rb") as f:
                data = bytearray(f.read())
            if self.path_in_bucket in self.bucket.corrupt and data:
                data[len(data) // 2] ^= 0xFF
            data = bytes(data)
            range_header = self.headers.get("Range")
            if range_header and self.path_in_bucket not in self.bucket.ignore_range:
                start = int(range_header.removeprefix("bytes=").split("-")[0])
                if start >= len(data):
                    return self.reply(416, b"", [("Content-Range", f"bytes */{len(data)}")],
                                      send_body=send_body)
                return self.reply(
                    206, data[start:],
                    [("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")],
                    send_body=send_body)
            drop = self.bucket.take_drop(self.path_in_bucket) if send_body else None
            if drop is None:
                return self.reply(200, data, send_body=send_body)
            # Headers for the whole file, part of it, then hang up.
            self.reply(200, data, send_body=False)
            self.wfile.write(data[:drop])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True

    return Handler


def exit_when_done(lifetime, parent):
    deadline = time.monotonic() + lifetime
    while time.monotonic() < deadline and os.getppid() == parent:
        time.sleep(0.2)
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--lifetime", type=float, default=120.0)
    arguments = parser.parse_args()
    threading.Thread(target=exit_when_done, args=(arguments.lifetime, os.getppid()),
                     daemon=True).start()
    buckets = Buckets(os.path.realpath(arguments.root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make_handler(buckets))
    server.daemon_threads = True
    temporary = arguments.port_file + ".tmp"
    with open(temporary, "w") as out:
        out.write(str(server.server_address[1]))
    os.rename(temporary, arguments.port_file)  # whole or absent for the reader
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
