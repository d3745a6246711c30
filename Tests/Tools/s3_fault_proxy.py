"""A fault-injecting HTTP proxy between Cortex's S3 client and moto, for tests.

Started by `S3FaultProxy` (Tests/CortexTesting/S3FaultProxy.swift) as
`python -I s3_fault_proxy.py UPSTREAM_PORT`. It listens on a free 127.0.0.1 port,
prints `port N` and then takes one command per line on standard input, answering
each with one line on standard output:

  rules JSON   replace the fault rules (a JSON list, below)      -> ok
  log          every request so far, as a JSON list               -> [...]
  peak         the most requests in flight at once since the last `rules`,
               as a JSON number                                   -> N

End of standard input (the test ended or died) exits the process.

A request is forwarded unchanged (Host included, so moto checks the client's
SigV4 signature) unless the first rule that matches it and has uses left fires.
A rule: {"method": "PUT" or null, "pattern": regex searched in "path?query" or
null, "count": uses (default 1), "action": ...}, where action is
  "status"  answer `status` (503, 500, 403, ...) with an S3 <Error> document
            whose Code is `code`, without forwarding;
  "stall"   read the request, never answer; hold the connection until the
            client gives up (closes it), at most 120 s;
  "cut"     forward, then send the headers and only the first `bytes` bytes
            of the body, and close the connection;
  "barrier" forward only once `parties` requests matching this rule are in
            flight together (proves concurrency without timing; gives up after
            30 s and answers 500 BarrierTimeout); with "reverse": true they are
            then forwarded and answered one at a time, last arrived first.
Each log entry: {"method", "target" (path?query), "range" (or null),
"status" (what the client got, or null for a stall or cut), "fault" (action or null)}.
"""

import http.client
import json
import os
import re
import select
import signal
import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

upstream_port = int(sys.argv[1])
lock = threading.Condition()
rules = []
log = []
in_flight = 0
peak = 0

HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade"}


def take_rule(method, target):
    """The first rule matching the request with uses left, its use counted; else None."""
    with lock:
        for rule in rules:
            if rule["left"] <= 0:
                continue
            if rule.get("method") and rule["method"] != method:
                continue
            if rule.get("pattern") and not re.search(rule["pattern"], target):
                continue
            rule["left"] -= 1
            return rule
    return None


def error_document(code):
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>injected by s3_fault_proxy</Message><RequestId>proxy</RequestId></Error>").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        global in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        self.counted = True
        try:
            self.handle_request()
        finally:
            self.leave()

    def leave(self):
        """Ends this request's in-flight count: before its answer goes out, so a request the
        client sends after reading that answer never overlaps it in the count."""
        global in_flight
        with lock:
            if self.counted:
                self.counted = False
                in_flight -= 1

    def handle_request(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.close_connection = True
        entry = {"method": self.command, "target": self.path, "range": self.headers.get("Range"), "status": None, "fault": None}
        with lock:
            log.append(entry)
        rule = take_rule(self.command, self.path)
        action = rule["action"] if rule else None
        entry["fault"] = action
        if action == "status":
            entry["status"] = rule["status"]
            self.reply(rule["status"], [("Content-Type", "application/xml")], error_document(rule.get("code", "InternalError")))
        elif action == "stall":
            self.stall()
        elif action == "barrier":
            arrival = self.await_barrier(rule)
            if arrival is None:
                entry["status"] = 500
                self.reply(500, [("Content-Type", "application/xml")], error_document("BarrierTimeout"))
            elif rule.get("reverse"):
                with lock:
                    lock.wait_for(lambda: rule["released"] == rule["parties"] - 1 - arrival)
                try:
                    self.forward(entry, body, cut=None)
                finally:
                    with lock:
                        rule["released"] += 1
                        lock.notify_all()
            else:
                self.forward(entry, body, cut=None)
        else:
            self.forward(entry, body, cut=rule["bytes"] if action == "cut" else None)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = handle_any

    def forward(self, entry, body, cut):
        connection = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
        connection.putrequest(self.command, self.path, skip_host=True, skip_accept_encoding=True)
        for name, value in self.headers.items():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                connection.putheader(name, value)
        if body or self.command in ("PUT", "POST"):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        payload = response.read()
        connection.close()
        headers = [(n, v) for n, v in response.getheaders() if n.lower() not in HOP_BY_HOP and n.lower() != "content-length"]
        if self.command == "HEAD":
            headers.append(("Content-Length", response.getheader("Content-Length", "0")))
            payload = b""
        else:
            headers.append(("Content-Length", str(len(payload))))
        if cut is None:
            entry["status"] = response.status
            self.reply(response.status, headers, payload, add_length=False)
            return
        self.leave()
        self.send_response(response.status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload[:cut])
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    def reply(self, status, headers, payload, add_length=True):
        self.leave()
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        if add_length:
            self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def stall(self):
        # Readable with no data means the client closed the connection.
        select.select([self.connection], [], [], 120)

    def await_barrier(self, rule):
        """This request's arrival index (0-based) once all parties arrived; None after the timeout."""
        with lock:
            arrival = rule["arrived"]
            rule["arrived"] += 1
            lock.notify_all()
            met = lock.wait_for(lambda: rule["arrived"] >= rule["parties"], timeout=30)
            return arrival if met else None


def main():
    signal.pthread_sigmask(signal.SIG_SETMASK, set())
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = sys.stdout
    out.write(f"port {server.server_address[1]}\n")
    out.flush()
    global rules, peak
    for line in sys.stdin:
        command, _, argument = line.strip().partition(" ")
        with lock:
            if command == "rules":
                rules = [dict(rule, left=rule.get("count", 1), arrived=0, released=0) for rule in json.loads(argument)]
                peak = in_flight
                answer = "ok"
            elif command == "log":
                answer = json.dumps(log)
            elif command == "peak":
                answer = json.dumps(peak)
            else:
                answer = json.dumps({"error": f"unknown command {command!r}"})
        out.write(answer + "\n")
        out.flush()
    os._exit(0)


main()
