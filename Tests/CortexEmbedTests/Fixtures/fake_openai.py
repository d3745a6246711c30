#!/usr/bin/env python3
"""A fake OpenAI-compatible embeddings server for OpenAIProviderTests (stdlib only).

    fake_openai.py --log FILE [--key KEY] [--model M] [--dimension D]
                   [--script JSON_LIST] [--then JSON_ACTION]

Listens on 127.0.0.1, port 0, and prints `port <n>` on stdout once it accepts connections;
exits when its standard input closes.

POST /v1/embeddings checks `Authorization: Bearer KEY` (when --key is given; a wrong key gets
OpenAI's 401, whose message quotes part of the key as OpenAI's does), then the JSON body:
`model` must be M (else 404), `input` a list of strings and `encoding_format` "float" (else 400).
Each request is appended to the log FILE as one JSON line ({"auth", "model", "input",
"encoding_format", "dimensions"}) before the answer is sent, so the log is complete when the
client has its answer.

The answer is deterministic: the vector of a text has D values, value j being
((h >> (j % 56)) & 0xff) - 127.5 with h the 64-bit FNV-1a hash of the text's UTF-8 bytes (not
normalised, so the client's normalisation is tested), listed in a shuffled `index` order.

Each request takes the next action of --script; once it is used up, --then (default: answer
normally). Actions (JSON objects):
  {"status": 500|429|401|..., "retry_after": "0", "message": "..."}  an error answer
  {"close": true}             close the connection without answering
  {"delay": SECONDS}          sleep, then answer normally
  {"wrong_dimension": true}   the last vector has D + 1 values
  {"missing_index": true}     index 0 appears twice, the last index never
  {"nan": true}               one value is NaN (bare `NaN` as Python writes it)
  {"huge_value": true}        one value is 1e300 (a double, but no float)
  {"malformed": true}         a body that is not JSON
  {"not_list": true}          valid JSON without `data`
  {"huge": MEBIBYTES}         a 200 body of that many MiB of spaces
  {"no_usage": true}          answer normally without `usage`
"""
import argparse
import json
import os
import random
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def fnv1a(text):
    h = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        h ^= byte
        h = (h * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def vector(text, dimension):
    h = fnv1a(text)
    return [float((h >> (j % 56)) & 0xFF) - 127.5 for j in range(dimension)]


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.script = list(json.loads(args.script)) if args.script else []
        self.then = json.loads(args.then) if args.then else {}
        self.log = open(args.log, "a", encoding="utf-8")

    def next_action(self):
        with self.lock:
            return self.script.pop(0) if self.script else self.then

    def record(self, entry):
        with self.lock:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def log_message(self, format, *args):
        pass

    def send_json(self, status, payload, headers=None):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def send_error_json(self, status, message, kind="invalid_request_error", headers=None):
        self.send_json(status, {"error": {"message": message, "type": kind, "param": None, "code": None}}, headers)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.path != "/v1/embeddings":
            self.send_error_json(404, "no route " + self.path)
            return
        state = Handler.state
        auth = self.headers.get("Authorization")
        try:
            body = json.loads(raw)
        except ValueError:
            self.send_error_json(400, "body is not JSON")
            return
        state.record({"auth": auth, "model": body.get("model"), "input": body.get("input"),
                      "encoding_format": body.get("encoding_format"), "dimensions": body.get("dimensions")})
        if state.args.key is not None and auth != "Bearer " + state.args.key:
            shown = (auth or "")[len("Bearer "):]
            self.send_error_json(401, "Incorrect API key provided: %s***%s. You can find your API key at "
                                      "https://platform.openai.com/account/api-keys." % (shown[:3], shown[-4:]))
            return
        if body.get("model") != state.args.model:
            self.send_error_json(404, "The model `%s` does not exist" % body.get("model"))
            return
        texts = body.get("input")
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts) or not texts:
            self.send_error_json(400, "'input' must be a non-empty list of strings")
            return
        if body.get("encoding_format") != "float":
            self.send_error_json(400, "encoding_format must be float in this fake")
            return
        self.answer(state.next_action(), texts)

    def answer(self, action, texts):
        dimension = self.state.args.dimension
        if "status" in action:
            headers = {"Retry-After": action["retry_after"]} if "retry_after" in action else {}
            self.send_error_json(action["status"], action.get("message", "scripted failure"), headers=headers)
            return
        if action.get("close"):
            self.close_connection = True
            return
        if "delay" in action:
            time.sleep(action["delay"])
        if action.get("malformed"):
            self.send_json(200, b'{"data": [{"embedding": [0.1, 0.2')
            return
        if action.get("not_list"):
            self.send_json(200, {"object": "list", "model": self.state.args.model})
            return
        if "huge" in action:
            chunk = b" " * (1 << 20)
            self.send_response(200)
            self.send_header("Content-Length", str(len(chunk) * action["huge"]))
            self.end_headers()
            try:
                for _ in range(action["huge"]):
                    self.wfile.write(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            self.close_connection = True
            return
        data = [{"object": "embedding", "index": i, "embedding": vector(t, dimension)} for i, t in enumerate(texts)]
        if action.get("wrong_dimension"):
            data[-1]["embedding"].append(1.0)
        if action.get("missing_index"):
            data[-1]["index"] = 0
        if action.get("nan"):
            data[0]["embedding"][0] = float("nan")
        random.Random(len(texts)).shuffle(data)
        payload = {"object": "list", "data": data, "model": self.state.args.model,
                   "usage": {"prompt_tokens": sum(len(t.split()) for t in texts),
                             "total_tokens": sum(len(t.split()) for t in texts)}}
        if action.get("no_usage"):
            del payload["usage"]
        body = json.dumps(payload)
        if action.get("huge_value"):
            first = json.dumps(data[0]["embedding"][0])
            body = body.replace("[" + first, "[1e300", 1)
        self.send_json(200, body.encode("utf-8"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log", required=True)
    parser.add_argument("--key")
    parser.add_argument("--model", default="fake-embed")
    parser.add_argument("--dimension", type=int, default=8)
    parser.add_argument("--script")
    parser.add_argument("--then")
    args = parser.parse_args()
    # The test keeps our standard input open while it runs; when it closes (the test process
    # ended, however it ended), exit rather than linger as an orphan.
    threading.Thread(target=lambda: (sys.stdin.buffer.read(), os._exit(0)), daemon=True).start()
    Handler.state = State(args)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
