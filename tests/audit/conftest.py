import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Accounts are created by the dozen here; a fast hasher keeps the tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
