"""Build the commented djhelm.yaml that `djhelm init` writes."""

from djhelm.init.build import build, dns_label, project_name

__all__ = ["build", "dns_label", "project_name"]
