"""Printable documents of the packing table: bag labels as PDF."""

from __future__ import annotations

from django.template.loader import render_to_string

from panier.fulfilment.selectors import Label
from panier.hubs.models import Hub


def labels_pdf(*, hub: Hub, labels: list[Label]) -> bytes:
    """Render one A6 page per bag label."""
    import weasyprint  # imported here: loading Pango takes time the web process rarely needs

    html = render_to_string("fulfilment/labels_pdf.html", {"hub": hub, "labels": labels})
    return weasyprint.HTML(string=html).write_pdf()
