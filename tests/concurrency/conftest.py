import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Shop users get a cheap password hash: these tests measure races, not hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
