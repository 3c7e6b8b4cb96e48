import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils import translation


def render(source: str) -> str:
    return Template("{% load links %}" + source).render(Context({}))


def test_link_gives_the_url_of_the_page_language():
    """A French page links to French URLs, an English page to /en/ ones, though both are remembered."""
    source = "{% link 'catalog:product_list' hub_slug='nice' %}"
    with translation.override("fr"):
        french = render(source)
        assert french == reverse("catalog:product_list", kwargs={"hub_slug": "nice"})
    with translation.override("en"):
        english = render(source)
        assert english == reverse("catalog:product_list", kwargs={"hub_slug": "nice"})
    assert english == "/en" + french
    with translation.override("fr"):
        assert render(source) == french


def test_link_refuses_unknown_names_like_url():
    """A wrong name or argument fails loudly, as {% url %} does."""
    with pytest.raises(NoReverseMatch):
        render("{% link 'catalog:product_list' %}")
