"""djhelm: Helm charts for Django projects whose upgrades never take the site down.

Kept import-free on purpose: ``djhelm.runtime`` is a Django app that runs inside the user's image
with only Django installed, and importing it must not drag in the generator's dependencies.
"""

__version__ = "0.1.0"
