"""A small threaded HTTP server on 127.0.0.1 for fake payment providers.

Each fake records the requests it receives, replays answers for a repeated
``Idempotency-Key`` as the real providers document, and can be told to
fail the next requests (a 5xx answer, or no answer until the client gives
up) so that adapters' error handling runs against real sockets.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answer:
    status: int
    body: Any  # dict (sent as JSON), bytes, or None for an empty body
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


class FakeProviderServer:
    """Base class: subclasses implement ``route`` and ``parse_body``."""

    content_type = "application/json"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: list[str | Answer] = []
        self.idempotent: dict[str, tuple[str, Answer]] = {}
        self.lock = threading.RLock()
        self.release = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                headers = {k.lower(): v for k, v in self.headers.items()}
                answer = fake.dispatch(self.command, parts.path, parts.query, headers, body)
                if answer is None:
                    # Hold the connection until the test ends: the client times out.
                    fake.release.wait(10)
                    return
                payload = answer.body
                if isinstance(payload, dict | list):
                    raw = json.dumps(payload).encode()
                elif payload is None:
                    raw = b""
                else:
                    raw = payload
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(raw)))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(raw)

            do_GET = do_POST = do_DELETE = do_PATCH = _serve  # noqa: N815

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeProviderServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    # Faults ---------------------------------------------------------------------

    def fail_next(self, status: int = 503, body: Any = None) -> None:
        """Answer the next request with ``status`` (and ``body``) instead of serving it."""
        with self.lock:
            self.faults.append(
                Answer(
                    status,
                    body if body is not None else b"upstream unavailable",
                    content_type="text/html" if body is None else "application/json",
                )
            )

    def hang_next(self) -> None:
        """Send no answer to the next request (the client's timeout fires)."""
        with self.lock:
            self.faults.append("hang")

    # Dispatch -------------------------------------------------------------------

    def dispatch(
        self, method: str, path: str, query: str, headers: dict[str, str], body: bytes
    ) -> Answer | None:
        params = self.parse_body(body, query, headers)
        recorded = Recorded(method, path, query, headers, body, params)
        with self.lock:
            self.requests.append(recorded)
            if self.faults:
                fault = self.faults.pop(0)
                return None if fault == "hang" else fault  # type: ignore[return-value]
            auth = self.authenticate(headers)
            if auth is not None:
                return auth
            key = headers.get("idempotency-key", "")
            fingerprint = f"{method} {path} {body!r}"
            if key and method != "GET" and key in self.idempotent:
                seen, answer = self.idempotent[key]
                if seen != fingerprint:
                    return self.idempotency_mismatch()
                return Answer(
                    answer.status,
                    answer.body,
                    {**answer.headers, "Idempotent-Replayed": "true"},
                    answer.content_type,
                )
            answer = self.route(method, path, params)
            if key and method != "GET" and answer.status < 500:
                self.idempotent[key] = (fingerprint, answer)
            return answer

    def parse_body(self, body: bytes, query: str, headers: dict[str, str]) -> dict[str, Any]:
        raise NotImplementedError

    def authenticate(self, headers: dict[str, str]) -> Answer | None:
        raise NotImplementedError

    def idempotency_mismatch(self) -> Answer:
        raise NotImplementedError

    def route(self, method: str, path: str, params: dict[str, Any]) -> Answer:
        raise NotImplementedError

    def posts(self) -> list[Recorded]:
        return [r for r in self.requests if r.method != "GET"]
