"""ZD013: the migration Job runs the image the serving pods run."""

from __future__ import annotations

from collections.abc import Iterator

from djhelm.validation.model import Finding
from djhelm.validation.rules.base import RuleContext, pod_template, rule
from djhelm.validation.rules.workloads import migration_phase, serving_workloads


@rule(
    "ZD013",
    "the migration Job's image is the app's image",
    "warning",
    "Migrations are code: a Job on another image (or another tag) applies the migration files of a "
    "different release than the one that rolls out, and the checks of the phases no longer match.",
)
def check(ctx: RuleContext) -> Iterator[Finding]:
    app_images = {
        str(container.get("image"))
        for _, template in serving_workloads(ctx)
        for _, container in template.containers()
        if container.get("image")
    }
    if not app_images:
        return
    for obj in ctx.of_kind("Job"):
        if migration_phase(obj) is None:
            continue
        template = pod_template(obj)
        if template is None:
            continue
        for index, container in template.containers():
            image = container.get("image")
            if image and str(image) not in app_images:
                yield ctx.finding(
                    "ZD013",
                    "warning",
                    obj,
                    f"container {container.get('name', index)} runs {image}, the serving pods run "
                    f"{', '.join(sorted(app_images))}",
                    "give the migration Job the app's image (same repository and tag or digest)",
                    (*template.container_path(index), "image"),
                )
