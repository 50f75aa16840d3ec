"""Types of djhelm.yaml (defaults filled in), generated from its JSON Schema by
scripts/generate-values-schema.py: do not edit. Imported for type checking only."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from typing_extensions import ReadOnly

from djhelm.jsonvalue import JSON

ConfigDataImage = TypedDict(
    "ConfigDataImage",
    {
        "repository": ReadOnly[str],
        "tag": ReadOnly[str],
        "digest": NotRequired[ReadOnly[str]],
        "pullPolicy": NotRequired[ReadOnly[Literal["Always", "IfNotPresent", "Never"]]],
        "pullSecrets": NotRequired[ReadOnly[list[str]]],
    },
)

ConfigDataDjango = TypedDict(
    "ConfigDataDjango",
    {
        "settingsModule": ReadOnly[str],
        "workingDir": NotRequired[ReadOnly[str]],
        "projectDir": NotRequired[ReadOnly[str]],
    },
)

ConfigDataDefsQuantityMap = TypedDict(
    "ConfigDataDefsQuantityMap",
    {
        "cpu": NotRequired[ReadOnly[str | int | float]],
        "memory": NotRequired[ReadOnly[str | int | float]],
        "ephemeral-storage": NotRequired[ReadOnly[str | int | float]],
    },
)

ConfigDataDefsResources = TypedDict(
    "ConfigDataDefsResources",
    {
        "requests": NotRequired[ReadOnly[ConfigDataDefsQuantityMap]],
        "limits": NotRequired[ReadOnly[ConfigDataDefsQuantityMap]],
    },
)

ConfigDataWebAutoscaling = TypedDict(
    "ConfigDataWebAutoscaling",
    {
        "enabled": ReadOnly[bool],
        "minReplicas": ReadOnly[int],
        "maxReplicas": ReadOnly[int],
        "targetCPUUtilizationPercentage": ReadOnly[int],
    },
)

ConfigDataWeb = TypedDict(
    "ConfigDataWeb",
    {
        "server": ReadOnly[Literal["gunicorn", "uvicorn", "granian", "command"]],
        "application": NotRequired[ReadOnly[str]],
        "command": NotRequired[ReadOnly[list[str]]],
        "extraArgs": NotRequired[ReadOnly[list[str]]],
        "interface": NotRequired[ReadOnly[Literal["wsgi", "asgi"]]],
        "port": ReadOnly[int],
        "replicas": ReadOnly[int],
        "workers": ReadOnly[int],
        "gracefulTimeoutSeconds": ReadOnly[int],
        "preStopSeconds": ReadOnly[int],
        "minReadySeconds": ReadOnly[int],
        "readinessPath": ReadOnly[str],
        "livenessPath": ReadOnly[str],
        "startupPath": NotRequired[ReadOnly[str]],
        "probeHost": NotRequired[ReadOnly[str]],
        "resources": NotRequired[ReadOnly[ConfigDataDefsResources]],
        "autoscaling": ReadOnly[ConfigDataWebAutoscaling],
    },
)

ConfigDataIngress = TypedDict(
    "ConfigDataIngress",
    {
        "enabled": ReadOnly[bool],
        "className": NotRequired[ReadOnly[str]],
        "host": NotRequired[ReadOnly[str]],
        "path": ReadOnly[str],
        "tlsSecretName": NotRequired[ReadOnly[str]],
        "annotations": NotRequired[ReadOnly[dict[str, str]]],
    },
)

ConfigDataNetworkPolicyEgressToEntry = TypedDict(
    "ConfigDataNetworkPolicyEgressToEntry",
    {
        "cidr": ReadOnly[str],
        "ports": NotRequired[ReadOnly[list[int]]],
    },
)

ConfigDataNetworkPolicy = TypedDict(
    "ConfigDataNetworkPolicy",
    {
        "enabled": ReadOnly[bool],
        "ingressNamespaces": NotRequired[ReadOnly[list[str]]],
        "restrictEgress": ReadOnly[bool],
        "egressTo": NotRequired[ReadOnly[dict[str, ConfigDataNetworkPolicyEgressToEntry]]],
    },
)

ConfigDataHttpRoute = TypedDict(
    "ConfigDataHttpRoute",
    {
        "enabled": ReadOnly[bool],
        "gatewayName": NotRequired[ReadOnly[str]],
        "gatewayNamespace": NotRequired[ReadOnly[str]],
        "sectionName": NotRequired[ReadOnly[str]],
        "hostnames": NotRequired[ReadOnly[list[str]]],
        "path": ReadOnly[str],
    },
)

ConfigDataDefsSecretRef = TypedDict(
    "ConfigDataDefsSecretRef",
    {
        "secretName": ReadOnly[str],
        "key": ReadOnly[str],
        "optional": ReadOnly[bool],
    },
)

ConfigDataDatabaseReplicasItem = TypedDict(
    "ConfigDataDatabaseReplicasItem",
    {
        "name": ReadOnly[str],
        "secretName": ReadOnly[str],
        "key": ReadOnly[str],
        "weight": ReadOnly[int],
    },
)

ConfigDataDatabase = TypedDict(
    "ConfigDataDatabase",
    {
        "url": ReadOnly[ConfigDataDefsSecretRef],
        "migrationUrl": NotRequired[ReadOnly[ConfigDataDefsSecretRef]],
        "replicas": NotRequired[ReadOnly[list[ConfigDataDatabaseReplicasItem]]],
    },
)

ConfigDataMigrations = TypedDict(
    "ConfigDataMigrations",
    {
        "strategy": ReadOnly[Literal["hook", "job", "argocd", "none"]],
        "phases": ReadOnly[bool],
        "rollbackGuard": ReadOnly[bool],
        "lockTimeout": ReadOnly[str],
        "statementTimeout": ReadOnly[str],
        "activeDeadlineSeconds": ReadOnly[int],
        "backoffLimit": ReadOnly[int],
        "waitTimeoutSeconds": ReadOnly[int],
        "databaseWaitSeconds": ReadOnly[int],
        "resources": NotRequired[ReadOnly[ConfigDataDefsResources]],
    },
)

ConfigDataProcessesEntryProbe = TypedDict(
    "ConfigDataProcessesEntryProbe",
    {
        "exec": NotRequired[ReadOnly[list[str]]],
        "tcpPort": NotRequired[ReadOnly[int]],
    },
)

ConfigDataProcessesEntry = TypedDict(
    "ConfigDataProcessesEntry",
    {
        "kind": ReadOnly[Literal["celery-worker", "celery-beat", "command"]],
        "app": NotRequired[ReadOnly[str]],
        "command": NotRequired[ReadOnly[list[str]]],
        "replicas": ReadOnly[int],
        "singleton": NotRequired[ReadOnly[bool]],
        "concurrency": NotRequired[ReadOnly[int]],
        "queues": NotRequired[ReadOnly[list[str]]],
        "resources": NotRequired[ReadOnly[ConfigDataDefsResources]],
        "terminationGracePeriodSeconds": NotRequired[ReadOnly[int]],
        "probe": NotRequired[ReadOnly[ConfigDataProcessesEntryProbe]],
        "env": NotRequired[ReadOnly[dict[str, str]]],
    },
)

ConfigDataCronJobsEntryResources = TypedDict(
    "ConfigDataCronJobsEntryResources",
    {
        "requests": NotRequired[ReadOnly[dict[str, str | int | float]]],
        "limits": NotRequired[ReadOnly[dict[str, str | int | float]]],
    },
)

ConfigDataCronJobsEntry = TypedDict(
    "ConfigDataCronJobsEntry",
    {
        "schedule": ReadOnly[str],
        "command": ReadOnly[list[str]],
        "timeZone": ReadOnly[str],
        "concurrencyPolicy": ReadOnly[Literal["Forbid", "Replace", "Allow"]],
        "suspend": ReadOnly[bool],
        "startingDeadlineSeconds": ReadOnly[int],
        "activeDeadlineSeconds": ReadOnly[int],
        "backoffLimit": ReadOnly[int],
        "successfulJobsHistoryLimit": ReadOnly[int],
        "failedJobsHistoryLimit": ReadOnly[int],
        "env": ReadOnly[dict[str, str]],
        "resources": NotRequired[ReadOnly[ConfigDataCronJobsEntryResources]],
    },
)

ConfigDataMedia = TypedDict(
    "ConfigDataMedia",
    {
        "enabled": ReadOnly[bool],
        "mountPath": ReadOnly[str],
        "existingClaim": ReadOnly[str],
        "size": ReadOnly[str],
        "storageClassName": ReadOnly[str],
        "accessModes": ReadOnly[list[Literal["ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]]],
    },
)

ConfigDataMonitoringResources = TypedDict(
    "ConfigDataMonitoringResources",
    {
        "requests": NotRequired[ReadOnly[dict[str, str | int | float]]],
        "limits": NotRequired[ReadOnly[dict[str, str | int | float]]],
    },
)

ConfigDataMonitoringAlertsMigrationJobFailed = TypedDict(
    "ConfigDataMonitoringAlertsMigrationJobFailed",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ConfigDataMonitoringAlertsMigrationJobDeadlineExceeded = TypedDict(
    "ConfigDataMonitoringAlertsMigrationJobDeadlineExceeded",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ConfigDataMonitoringAlertsRolloutStuck = TypedDict(
    "ConfigDataMonitoringAlertsRolloutStuck",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ConfigDataMonitoringAlertsReplicasMismatch = TypedDict(
    "ConfigDataMonitoringAlertsReplicasMismatch",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ConfigDataMonitoringAlertsContractPending = TypedDict(
    "ConfigDataMonitoringAlertsContractPending",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ConfigDataMonitoringAlertsOldCodeRunning = TypedDict(
    "ConfigDataMonitoringAlertsOldCodeRunning",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ConfigDataMonitoringAlertsErrorsAfterDeploy = TypedDict(
    "ConfigDataMonitoringAlertsErrorsAfterDeploy",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
        "ratio": NotRequired[ReadOnly[float]],
        "windowSeconds": NotRequired[ReadOnly[int]],
    },
)

ConfigDataMonitoringAlertsUnappliedMigrations = TypedDict(
    "ConfigDataMonitoringAlertsUnappliedMigrations",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ConfigDataMonitoringAlertsLockWaits = TypedDict(
    "ConfigDataMonitoringAlertsLockWaits",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
        "sessions": NotRequired[ReadOnly[int]],
    },
)

ConfigDataMonitoringAlertsReplicaLag = TypedDict(
    "ConfigDataMonitoringAlertsReplicaLag",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
        "seconds": NotRequired[ReadOnly[int]],
    },
)

ConfigDataMonitoringAlerts = TypedDict(
    "ConfigDataMonitoringAlerts",
    {
        "migrationJobFailed": ReadOnly[ConfigDataMonitoringAlertsMigrationJobFailed],
        "migrationJobDeadlineExceeded": ReadOnly[ConfigDataMonitoringAlertsMigrationJobDeadlineExceeded],
        "rolloutStuck": ReadOnly[ConfigDataMonitoringAlertsRolloutStuck],
        "replicasMismatch": ReadOnly[ConfigDataMonitoringAlertsReplicasMismatch],
        "contractPending": ReadOnly[ConfigDataMonitoringAlertsContractPending],
        "oldCodeRunning": ReadOnly[ConfigDataMonitoringAlertsOldCodeRunning],
        "errorsAfterDeploy": ReadOnly[ConfigDataMonitoringAlertsErrorsAfterDeploy],
        "unappliedMigrations": ReadOnly[ConfigDataMonitoringAlertsUnappliedMigrations],
        "lockWaits": ReadOnly[ConfigDataMonitoringAlertsLockWaits],
        "replicaLag": ReadOnly[ConfigDataMonitoringAlertsReplicaLag],
    },
)

ConfigDataMonitoringPostgresExporter = TypedDict(
    "ConfigDataMonitoringPostgresExporter",
    {
        "enabled": ReadOnly[bool],
        "selector": ReadOnly[str],
    },
)

ConfigDataMonitoringGrafanaDashboard = TypedDict(
    "ConfigDataMonitoringGrafanaDashboard",
    {
        "enabled": ReadOnly[bool],
        "labels": ReadOnly[dict[str, str]],
    },
)

ConfigDataMonitoring = TypedDict(
    "ConfigDataMonitoring",
    {
        "enabled": ReadOnly[bool],
        "port": ReadOnly[int],
        "scrapeInterval": ReadOnly[str],
        "labels": ReadOnly[dict[str, str]],
        "alertLabels": ReadOnly[dict[str, str]],
        "resources": ReadOnly[ConfigDataMonitoringResources],
        "alerts": ReadOnly[ConfigDataMonitoringAlerts],
        "postgresExporter": ReadOnly[ConfigDataMonitoringPostgresExporter],
        "grafanaDashboard": ReadOnly[ConfigDataMonitoringGrafanaDashboard],
    },
)

ConfigData = TypedDict(
    "ConfigData",
    {
        "name": ReadOnly[str],
        "description": NotRequired[ReadOnly[str]],
        "chartVersion": ReadOnly[str],
        "image": ReadOnly[ConfigDataImage],
        "django": ReadOnly[ConfigDataDjango],
        "web": ReadOnly[ConfigDataWeb],
        "ingress": ReadOnly[ConfigDataIngress],
        "networkPolicy": ReadOnly[ConfigDataNetworkPolicy],
        "httpRoute": ReadOnly[ConfigDataHttpRoute],
        "env": NotRequired[ReadOnly[dict[str, str]]],
        "secretEnv": NotRequired[ReadOnly[dict[str, ConfigDataDefsSecretRef]]],
        "database": ReadOnly[ConfigDataDatabase],
        "migrations": ReadOnly[ConfigDataMigrations],
        "processes": NotRequired[ReadOnly[dict[str, ConfigDataProcessesEntry]]],
        "cronJobs": ReadOnly[dict[str, ConfigDataCronJobsEntry]],
        "media": ReadOnly[ConfigDataMedia],
        "monitoring": ReadOnly[ConfigDataMonitoring],
    },
)
