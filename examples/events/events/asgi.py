"""ASGI entry point: uvicorn serves `events.asgi:application`."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "events.settings")

application = get_asgi_application()
