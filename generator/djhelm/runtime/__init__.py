"""djhelm's Django app, installed in the user's image: add "djhelm.runtime" to INSTALLED_APPS.

Imports only Django, the standard library and dj-database-url, so the image needs nothing else from djhelm.
"""
