import json

import pytest
from django.test import Client


class ApiClient:
    """A JSON client for /api/v1 that never sends cookies or CSRF tokens."""

    def __init__(self):
        self.client = Client(enforce_csrf_checks=True)

    def _send(self, method, url, body=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"content_type": "application/json"} if data is not None else {}
        send = getattr(self.client, method)
        if data is not None:
            return send(url, data=data, headers=headers or {}, **kwargs)
        return send(url, headers=headers or {})

    def get(self, url, **kw):
        return self._send("get", url, **kw)

    def post(self, url, body=None, **kw):
        return self._send("post", url, body, **kw)

    def put(self, url, body=None, **kw):
        return self._send("put", url, body, **kw)

    def delete(self, url, **kw):
        return self._send("delete", url, **kw)

    def patch(self, url, body=None, **kw):
        return self._send("patch", url, body, **kw)


@pytest.fixture
def api():
    return ApiClient()
