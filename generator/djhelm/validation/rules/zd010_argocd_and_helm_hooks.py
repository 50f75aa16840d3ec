"""ZD010: an object carries Argo CD hook annotations or Helm hook annotations, not both."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, rule
from djhelm.validation.rules.workloads import HOOK


@rule(
    "ZD010",
    "Argo CD and Helm hook annotations are not mixed on one object",
    "warning",
    "When an object has any argocd.argoproj.io/hook annotation Argo CD ignores its helm.sh/hook annotations, "
    "so the Helm weights and delete policies you wrote silently stop applying (and Helm still applies them).",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    for obj in ctx.objects:
        annotations = obj.annotations
        argo = sorted(
            k
            for k in annotations
            if (k.startswith("argocd.argoproj.io/") and "hook" in k) or k == "argocd.argoproj.io/sync-wave"
        )
        helm = sorted(k for k in annotations if k.startswith(HOOK))
        if argo and helm:
            yield ctx.finding(
                "ZD010",
                "warning",
                obj,
                f"both Argo CD ({', '.join(argo)}) and Helm ({', '.join(helm)}) hook annotations",
                "keep one set: Helm's when installed with helm (Argo CD maps them), Argo CD's when "
                "only Argo CD deploys",
                ("metadata", "annotations"),
            )
