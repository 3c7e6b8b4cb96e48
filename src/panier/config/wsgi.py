"""WSGI entry point: the traffic gate in front of Django (panier.traffic.gate)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panier.config.settings")
django_application = get_wsgi_application()

from panier.traffic.gate import TrafficGate  # noqa: E402 - needs the settings configured above

application = TrafficGate(django_application)
