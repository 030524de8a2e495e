"""A small Language Server Protocol client for the tests: starts `detlint server` as a process, speaks
JSON-RPC to it over its standard input and output, answers the requests the server makes (its
configuration, capability registrations), and keeps every notification it sends."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).resolve().parents[1] / "src"
# Generous: a loaded two-core machine may take seconds to import the rules or read a project.
TIMEOUT = 60.0


class ServerError(Exception):
    pass


class LspClient:
    def __init__(self, cwd: Path, configuration: dict | None = None) -> None:
        # A file, not a pipe: the server's log must never block it.
        self.log = tempfile.TemporaryFile()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SOURCE), os.environ.get("PYTHONPATH")]))}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "detlint", "server"],
            cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.log,
        )  # fmt: skip
        # What the client answers to `workspace/configuration` for the `detlint` section.
        self.configuration = configuration
        self.registrations: list[dict] = []
        self.notifications: list[dict] = []
        self._responses: dict[int, dict] = {}
        self._arrived = threading.Condition()
        self._next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    # Transport

    def _send(self, message: dict) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode("utf-8")
        assert self.process.stdin is not None
        self.process.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.process.stdin.flush()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    with self._arrived:
                        self._arrived.notify_all()
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            message = json.loads(stream.read(length or 0))
            if "method" in message and "id" in message:
                self._answer(message)
            with self._arrived:
                if "method" in message:
                    self.notifications.append(message)
                else:
                    self._responses[message["id"]] = message
                self._arrived.notify_all()

    def _answer(self, request: dict) -> None:
        """The client's side of what the server asks."""
        if request["method"] == "workspace/configuration":
            result: Any = [self.configuration for _ in request["params"]["items"]]
        elif request["method"] == "client/registerCapability":
            self.registrations.extend(request["params"]["registrations"])
            result = None
        else:
            result = None
        self._send({"id": request["id"], "result": result})

    def wait_until(self, ready: Callable[[], Any], what: str) -> Any:
        """The first true value `ready` returns, asked again as messages arrive."""
        deadline = time.monotonic() + TIMEOUT
        with self._arrived:
            while True:
                value = ready()
                if value:
                    return value
                if self.process.poll() is not None:
                    raise ServerError(f"the server exited ({self.process.returncode}) waiting for {what}: {self.stderr()}")
                if time.monotonic() > deadline:
                    raise ServerError(f"no {what} within {TIMEOUT} s")
                self._arrived.wait(0.5)

    # Messages

    def request(self, method: str, params: Any = None) -> Any:
        self._next_id += 1
        number = self._next_id
        self._send({"id": number, "method": method, "params": params})
        response = self.wait_until(lambda: self._responses.get(number), f"answer to {method}")
        if "error" in response:
            raise ServerError(response["error"])
        return response["result"]

    def notify(self, method: str, params: Any = None) -> None:
        self._send({"method": method, "params": params})

    def diagnostics(self, uri: str, accept: Callable[[list[dict]], bool] = lambda _: True, *, after: int = 0) -> list[dict]:
        """The diagnostics of the first publication for `uri` from notification number `after` on
        that `accept` takes."""

        def found() -> list[dict] | None:
            for message in self.notifications[after:]:
                if message["method"] == "textDocument/publishDiagnostics" and message["params"]["uri"] == uri:
                    if accept(message["params"]["diagnostics"]):
                        return [message["params"]["diagnostics"]]
            return None

        return self.wait_until(found, f"diagnostics for {uri}")[0]

    @property
    def seen(self) -> int:
        """How many notifications have arrived: pass as `after` to wait for newer ones."""
        with self._arrived:
            return len(self.notifications)

    # Sessions

    def initialize(self, root: Path, *, options: dict | None = None, capabilities: dict | None = None) -> dict:
        result = self.request("initialize", {
            "processId": os.getpid(), "rootUri": root.as_uri(), "initializationOptions": options,
            "capabilities": capabilities if capabilities is not None else {
                "workspace": {"configuration": True, "didChangeWatchedFiles": {"dynamicRegistration": True}},
                "textDocument": {"publishDiagnostics": {"relatedInformation": True}},
            },
        })  # fmt: skip
        self.notify("initialized", {})
        return result

    def open(self, path: Path, text: str | None = None, version: int = 1) -> str:
        uri = path.as_uri()
        text = path.read_text(encoding="utf-8") if text is None else text
        self.notify("textDocument/didOpen",
                    {"textDocument": {"uri": uri, "languageId": "python", "version": version, "text": text}})  # fmt: skip
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        self.notify("textDocument/didChange",
                    {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": text}]})  # fmt: skip

    def shutdown(self) -> int:
        """Shut the server down as a client does; its exit status."""
        self.request("shutdown")
        self.notify("exit")
        return self.process.wait(TIMEOUT)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(TIMEOUT)
        for stream in (self.process.stdin, self.process.stdout, self.log):
            if stream is not None:
                stream.close()

    def stderr(self) -> str:
        """What the server has logged so far."""
        self.log.seek(0)
        return self.log.read().decode("utf-8", errors="replace")
