"""The printable round sheet."""

from __future__ import annotations

from django.template.loader import render_to_string

from panier.hubs.models import Hub
from panier.rounds.models import Round


def round_sheet_pdf(*, hub: Hub, rnd: Round) -> bytes:
    import weasyprint  # imported here: loading Pango takes time the web process rarely needs

    from panier.fulfilment.models import Packing

    stops = list(rnd.stops.all())
    bags = dict(Packing.objects.filter(order__in=[s.order_id for s in stops]).values_list("order_id", "bags"))
    rows = [(s, bags.get(s.order_id, 1)) for s in stops]
    html = render_to_string("rounds/sheet_pdf.html", {"hub": hub, "round": rnd, "rows": rows})
    return weasyprint.HTML(string=html).write_pdf()
