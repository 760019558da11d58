#!/usr/bin/env python3
"""A live-stream client for the end-to-end tests, on the `websockets`
package (not ours): connects to the URL with the given headers and
subprotocols, prints one JSON line per happening on stdout ({"event": "open"
| "rejected" | "message" | "closed", ...}), and sends each line read from
stdin as a text message. The Rust tests drive it (tests/e2e/live.rs).

usage: live_client.py URL [--header NAME:VALUE]... [--subprotocol P]...
"""
import json
import sys
import threading

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect


def say(**happening):
    print(json.dumps(happening), flush=True)


def main():
    args = sys.argv[1:]
    url, headers, subprotocols = args[0], [], []
    for flag, value in zip(args[1::2], args[2::2]):
        if flag == "--header":
            name, _, text = value.partition(":")
            headers.append((name, text))
        elif flag == "--subprotocol":
            subprotocols.append(value)
    try:
        socket = connect(url, additional_headers=headers, subprotocols=subprotocols or None, open_timeout=20, close_timeout=2)
    except InvalidStatus as refused:
        body = refused.response.body.decode("utf-8", "replace") if refused.response.body else ""
        say(event="rejected", status=refused.response.status_code, body=body)
        return
    say(event="open", subprotocol=socket.subprotocol)

    def forward_stdin():
        for line in sys.stdin:
            try:
                socket.send(line.rstrip("\n"))
            except ConnectionClosed:
                return

    threading.Thread(target=forward_stdin, daemon=True).start()
    try:
        for message in socket:
            say(event="message", data=json.loads(message))
    except ConnectionClosed:
        pass
    say(event="closed", code=socket.close_code, reason=socket.close_reason)


if __name__ == "__main__":
    main()
