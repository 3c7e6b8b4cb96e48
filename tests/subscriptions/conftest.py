import pytest


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Customers are created with passwords; a cheap hasher keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
