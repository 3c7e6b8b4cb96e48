import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _french():
    """Each test starts in French: a request under /en/ leaves English active."""
    translation.activate("fr")
    yield
    translation.activate("fr")
