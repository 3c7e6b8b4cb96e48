"""ASGI entry point (the views are synchronous; prefer WSGI)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "panier.config.settings")
application = get_asgi_application()
