"""Secrets come from the environment, and none is committed to the repository."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-0123456789abcdefghijklmnopqrstuvwxyz"

# Shapes of real credentials. The patterns are split so that this file does
# not match itself.
SECRET_PATTERNS = {
    "private key": re.compile("-----BEGIN ([A-Z]+ )?" + "PRIVATE KEY-----"),
    "AWS access key": re.compile(r"\b(AKIA|ASIA)" + r"[0-9A-Z]{16}\b"),
    "Stripe live key": re.compile(r"\b(sk|rk)_" + r"live_[0-9a-zA-Z]{16,}"),
    "GitHub token": re.compile(r"\bgh[pousr]_" + r"[A-Za-z0-9]{36,}"),
    "Slack token": re.compile(r"\bxox[abprs]-" + r"[0-9A-Za-z-]{10,}"),
    "Google API key": re.compile(r"\bAIza" + r"[0-9A-Za-z_\-]{35}"),
    "JSON web token": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\." + r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"),
    # Documentation placeholders ("<password>", "the-password") are allowed.
    "password in a URL": re.compile(r"[a-z+]+://[^/\s:@'\"]+:(?![^@\s]*password)[^/\s:@'\"{}$<]{6,}@"),
}


def _settings_process(tmp_path, **environ):
    """Load the settings in a fresh interpreter, as a server would start."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECRET_KEY", "EMAIL_", "DEBUG"))}
    env.pop("DATABASE_URL", None)
    env.update(PANIER_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"), **environ)
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.PANIER_PRODUCTION, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env={**env, "DJANGO_SETTINGS_MODULE": "panier.config.settings"},
        capture_output=True, text=True, timeout=60, check=False,
    )


def test_production_refuses_to_start_without_secret_key(tmp_path):
    """DEBUG off on a public host name with no SECRET_KEY: start-up fails
    with a message naming the variable, and no key file is written."""

    result = _settings_process(tmp_path, DEBUG="0", ALLOWED_HOSTS="shop.example.org")

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set" in result.stderr
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"SECRET_KEY": "replace-me-with-50-random-characters"}, "SECRET_KEY must be at least 50"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY must be at least 50"),
        (
            {"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "postgres://panier:change-this-password@db/panier"},
            "DATABASE_URL still holds the example password",
        ),
        (
            {"SECRET_KEY": GOOD_KEY, "EMAIL_HOST": "smtp.example.org", "EMAIL_HOST_USER": "shop"},
            "EMAIL_HOST_PASSWORD must be set",
        ),
    ],
)
def test_production_refuses_example_or_missing_secrets(tmp_path, environ, message):
    """Values copied from .env.example or a half-configured mail account stop
    a production start-up."""

    result = _settings_process(tmp_path, DEBUG="0", ALLOWED_HOSTS="shop.example.org", **environ)

    assert result.returncode != 0
    assert message in result.stderr


def test_production_starts_with_secrets_and_secure_cookies(tmp_path):
    """With its secrets in the environment a production site starts, with
    HTTPS-only cookies."""

    result = _settings_process(tmp_path, DEBUG="0", ALLOWED_HOSTS="shop.example.org", SECRET_KEY=GOOD_KEY)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True"]


def test_local_run_without_secret_key_keeps_a_generated_key(tmp_path):
    """On loopback (demo, tests) a missing SECRET_KEY is generated once and kept."""

    result = _settings_process(tmp_path, DEBUG="0")

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "False"
    assert len((tmp_path / "secret_key").read_text().strip()) >= 50


def _tracked_files():
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
    ).stdout.decode().split("\0")
    for name in filter(None, listed):
        path = ROOT / name
        if path.is_file() and path.stat().st_size < 2_000_000:
            yield name, path.read_bytes().decode("utf-8", errors="ignore")


def test_repository_holds_no_private_key_or_token():
    """No committed file contains a private key, a cloud or payment token or
    a password inside a URL."""
    found = []

    for name, text in _tracked_files():
        found += [(name, kind) for kind, pattern in SECRET_PATTERNS.items() if pattern.search(text)]

    assert found == []


@pytest.mark.parametrize(
    "planted",
    [
        "-----BEGIN OPENSSH " + "PRIVATE KEY-----",
        "AKIA" + "ABCDEFGHIJKLMNOP",
        "sk_" + "live_" + "a1B2c3D4e5F6g7H8i9J0",
        "ghp_" + "a" * 36,
        "postgres://panier:" + "s3cretpw@db/panier",
    ],
)
def test_secret_patterns_find_planted_secrets(planted):
    """Each kind of planted secret is caught by at least one pattern."""

    assert any(pattern.search(f"x = '{planted}'\n") for pattern in SECRET_PATTERNS.values())
