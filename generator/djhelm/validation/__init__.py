"""djhelm validate: strict offline Kubernetes schema validation plus zero-downtime rules.

The core is pure (text in, Report out); reading files, running helm and kubeconform live in their own
modules and are called by the CLI.
"""

from __future__ import annotations

from djhelm.validation.core import Source, resolve_versions, validate_documents, validate_per_version
from djhelm.validation.model import Finding, Location, ObjectResult, Report
from djhelm.validation.rules import Rule, all_rules
from djhelm.validation.schemas import default_versions, supported_versions

__all__ = [
    "Finding",
    "Location",
    "ObjectResult",
    "Report",
    "Rule",
    "Source",
    "all_rules",
    "default_versions",
    "resolve_versions",
    "supported_versions",
    "validate_documents",
    "validate_per_version",
]
