"""Small real HTTP servers on a loopback port, answering like OSRM or the address API."""

from __future__ import annotations

import json
import socket
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from panier.rounds import routing
from panier.rounds.routing import Point


class _Handler(BaseHTTPRequestHandler):
    answer = None  # set per server: (path, query) -> (status, body)

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        status, body = self.server.answer(url.path, parse_qs(url.query))
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@contextmanager
def serving(answer):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.answer = answer
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def closed_port_url() -> str:
    """The URL of a loopback port nothing listens on: connections are refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def osrm_answer(path, query):
    """An OSRM ``table`` answer: durations at 36 km/h as the crow flies (10 m/s)."""
    if not path.startswith("/table/v1/driving/"):
        return 400, {"code": "InvalidUrl"}
    coords = path.rsplit("/", 1)[1].split(";")
    points = [Point(float(c.split(",")[1]), float(c.split(",")[0])) for c in coords]
    durations = [[round(routing.haversine_m(a, b) / 10, 1) for b in points] for a in points]
    return 200, {"code": "Ok", "durations": durations}


def ban_answer(path, query):
    """The address API's GeoJSON answer: one street in Nice, anything else is a poor match."""
    q = query.get("q", [""])[0]
    if path != "/search/":
        return 404, {}
    if "Rossini" in q:
        feature = {"geometry": {"type": "Point", "coordinates": [7.2620, 43.7003]}, "properties": {"score": 0.93, "label": q}}
        return 200, {"type": "FeatureCollection", "features": [feature]}
    if "nowhere" in q:
        return 200, {"type": "FeatureCollection", "features": []}
    feature = {"geometry": {"type": "Point", "coordinates": [2.35, 48.85]}, "properties": {"score": 0.21}}
    return 200, {"type": "FeatureCollection", "features": [feature]}
