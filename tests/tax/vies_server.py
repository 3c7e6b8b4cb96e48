"""A real HTTP server on a loopback port answering like the VIES REST service."""

from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

#: Numbers the fake register knows, with the trader's name.
REGISTERED = {"DE136695976": "Muster GmbH", "FR40303265045": "Hub SAS", "BE0403019261": "Bruxelles SA"}


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 (http.server's name)
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        self.server.asked.append(body)
        number = f"{body.get('countryCode', '')}{body.get('vatNumber', '')}"
        status, answer = self.server.answer(number, body)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def register_answer(number: str, body: dict) -> tuple[int, dict]:
    """VIES's answer: valid for the registered numbers, with a consultation number."""
    name = REGISTERED.get(number)
    answer = {
        "countryCode": number[:2],
        "vatNumber": number[2:],
        "requestDate": "2026-11-24T10:00:00.000Z",
        "valid": name is not None,
        "requestIdentifier": f"WAPI{number[2:]}" if body.get("requesterNumber") else "",
        "name": name or "---",
        "address": "---",
    }
    return 200, answer


@contextmanager
def vies_serving(answer=register_answer):
    """Serve the fake VIES; yield (its URL, the list of requests it received)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.answer = answer
    server.asked = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/check-vat-number", server.asked
    finally:
        server.shutdown()
        server.server_close()
