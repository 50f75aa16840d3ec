"""Types of a generated chart's values, generated from its JSON Schema by
scripts/generate-values-schema.py: do not edit. Imported for type checking only."""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

from typing_extensions import ReadOnly

from djhelm.jsonvalue import JSON

ChartValuesImage = TypedDict(
    "ChartValuesImage",
    {
        "repository": ReadOnly[str],
        "tag": ReadOnly[str | float],
        "digest": NotRequired[ReadOnly[str]],
        "pullPolicy": NotRequired[ReadOnly[Literal["Always", "IfNotPresent", "Never"]]],
        "pullSecrets": NotRequired[ReadOnly[list[str]]],
    },
)

ChartValuesDjango = TypedDict(
    "ChartValuesDjango",
    {
        "settingsModule": ReadOnly[str],
        "workingDir": NotRequired[ReadOnly[str]],
    },
)

ChartValuesWebResources = TypedDict(
    "ChartValuesWebResources",
    {
        "requests": NotRequired[ReadOnly[dict[str, str | int | float]]],
        "limits": NotRequired[ReadOnly[dict[str, str | int | float]]],
    },
)

ChartValuesWebAutoscaling = TypedDict(
    "ChartValuesWebAutoscaling",
    {
        "enabled": ReadOnly[bool],
        "minReplicas": NotRequired[ReadOnly[int]],
        "maxReplicas": NotRequired[ReadOnly[int]],
        "targetCPUUtilizationPercentage": NotRequired[ReadOnly[int]],
    },
)

ChartValuesWeb = TypedDict(
    "ChartValuesWeb",
    {
        "server": ReadOnly[Literal["gunicorn", "uvicorn", "granian", "command"]],
        "application": ReadOnly[str],
        "command": NotRequired[ReadOnly[list[str]]],
        "extraArgs": NotRequired[ReadOnly[list[str]]],
        "interface": ReadOnly[Literal["wsgi", "asgi"]],
        "port": ReadOnly[int],
        "replicas": ReadOnly[int],
        "workers": NotRequired[ReadOnly[int]],
        "gracefulTimeoutSeconds": ReadOnly[int],
        "preStopSeconds": ReadOnly[int],
        "terminationGraceMarginSeconds": NotRequired[ReadOnly[int]],
        "minReadySeconds": NotRequired[ReadOnly[int]],
        "progressDeadlineSeconds": NotRequired[ReadOnly[int]],
        "readinessPath": ReadOnly[str],
        "livenessPath": ReadOnly[str],
        "startupPath": NotRequired[ReadOnly[str]],
        "probeHost": NotRequired[ReadOnly[str]],
        "startupFailureThreshold": NotRequired[ReadOnly[int]],
        "resources": NotRequired[ReadOnly[ChartValuesWebResources]],
        "autoscaling": NotRequired[ReadOnly[ChartValuesWebAutoscaling]],
        "podAnnotations": NotRequired[ReadOnly[dict[str, str]]],
    },
)

ChartValuesService = TypedDict(
    "ChartValuesService",
    {
        "type": ReadOnly[Literal["ClusterIP", "NodePort", "LoadBalancer"]],
        "port": ReadOnly[int],
    },
)

ChartValuesIngress = TypedDict(
    "ChartValuesIngress",
    {
        "enabled": ReadOnly[bool],
        "className": NotRequired[ReadOnly[str]],
        "host": NotRequired[ReadOnly[str]],
        "path": NotRequired[ReadOnly[str]],
        "tlsSecretName": NotRequired[ReadOnly[str]],
        "annotations": NotRequired[ReadOnly[dict[str, str]]],
    },
)

ChartValuesNetworkPolicyEgressToEntry = TypedDict(
    "ChartValuesNetworkPolicyEgressToEntry",
    {
        "cidr": ReadOnly[str],
        "ports": ReadOnly[list[int]],
    },
)

ChartValuesNetworkPolicy = TypedDict(
    "ChartValuesNetworkPolicy",
    {
        "enabled": ReadOnly[bool],
        "ingressNamespaces": NotRequired[ReadOnly[list[str]]],
        "restrictEgress": NotRequired[ReadOnly[bool]],
        "egressTo": NotRequired[ReadOnly[dict[str, ChartValuesNetworkPolicyEgressToEntry]]],
    },
)

ChartValuesHttpRoute = TypedDict(
    "ChartValuesHttpRoute",
    {
        "enabled": ReadOnly[bool],
        "gatewayName": NotRequired[ReadOnly[str]],
        "gatewayNamespace": NotRequired[ReadOnly[str]],
        "sectionName": NotRequired[ReadOnly[str]],
        "hostnames": NotRequired[ReadOnly[list[str]]],
        "path": NotRequired[ReadOnly[str]],
    },
)

ChartValuesSecretEnvEntry = TypedDict(
    "ChartValuesSecretEnvEntry",
    {
        "secretName": ReadOnly[str],
        "key": ReadOnly[str],
        "optional": NotRequired[ReadOnly[bool]],
    },
)

ChartValuesExtraEnvFromItemConfigMapRef = TypedDict(
    "ChartValuesExtraEnvFromItemConfigMapRef",
    {
        "name": ReadOnly[str],
        "optional": NotRequired[ReadOnly[bool]],
    },
)

ChartValuesExtraEnvFromItemSecretRef = TypedDict(
    "ChartValuesExtraEnvFromItemSecretRef",
    {
        "name": ReadOnly[str],
        "optional": NotRequired[ReadOnly[bool]],
    },
)

ChartValuesExtraEnvFromItem = TypedDict(
    "ChartValuesExtraEnvFromItem",
    {
        "configMapRef": NotRequired[ReadOnly[ChartValuesExtraEnvFromItemConfigMapRef]],
        "secretRef": NotRequired[ReadOnly[ChartValuesExtraEnvFromItemSecretRef]],
    },
)

ChartValuesDatabaseUrl = TypedDict(
    "ChartValuesDatabaseUrl",
    {
        "secretName": ReadOnly[str],
        "key": ReadOnly[str],
        "optional": NotRequired[ReadOnly[bool]],
    },
)

ChartValuesDatabaseMigrationUrlOption1 = TypedDict(
    "ChartValuesDatabaseMigrationUrlOption1",
    {
        "secretName": ReadOnly[str],
        "key": ReadOnly[str],
        "optional": NotRequired[ReadOnly[bool]],
    },
)

ChartValuesDatabaseReplicasEntry = TypedDict(
    "ChartValuesDatabaseReplicasEntry",
    {
        "secretName": ReadOnly[str],
        "key": ReadOnly[str],
        "optional": NotRequired[ReadOnly[bool]],
        "weight": NotRequired[ReadOnly[int]],
    },
)

ChartValuesDatabase = TypedDict(
    "ChartValuesDatabase",
    {
        "url": ReadOnly[ChartValuesDatabaseUrl],
        "migrationUrl": NotRequired[ReadOnly[dict[str, JSON] | ChartValuesDatabaseMigrationUrlOption1]],
        "replicas": NotRequired[ReadOnly[dict[str, ChartValuesDatabaseReplicasEntry]]],
    },
)

ChartValuesMigrationsResources = TypedDict(
    "ChartValuesMigrationsResources",
    {
        "requests": NotRequired[ReadOnly[dict[str, str | int | float]]],
        "limits": NotRequired[ReadOnly[dict[str, str | int | float]]],
    },
)

ChartValuesMigrations = TypedDict(
    "ChartValuesMigrations",
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
        "resources": NotRequired[ReadOnly[ChartValuesMigrationsResources]],
    },
)

ChartValuesProcessesEntryProbe = TypedDict(
    "ChartValuesProcessesEntryProbe",
    {
        "exec": NotRequired[ReadOnly[list[str]]],
        "tcpPort": NotRequired[ReadOnly[int]],
    },
)

ChartValuesProcessesEntryResources = TypedDict(
    "ChartValuesProcessesEntryResources",
    {
        "requests": NotRequired[ReadOnly[dict[str, str | int | float]]],
        "limits": NotRequired[ReadOnly[dict[str, str | int | float]]],
    },
)

ChartValuesProcessesEntry = TypedDict(
    "ChartValuesProcessesEntry",
    {
        "kind": ReadOnly[Literal["celery-worker", "celery-beat", "command"]],
        "app": NotRequired[ReadOnly[str]],
        "command": NotRequired[ReadOnly[list[str]]],
        "replicas": NotRequired[ReadOnly[int]],
        "singleton": NotRequired[ReadOnly[bool]],
        "concurrency": NotRequired[ReadOnly[int]],
        "queues": NotRequired[ReadOnly[list[str]]],
        "terminationGracePeriodSeconds": NotRequired[ReadOnly[int]],
        "probe": NotRequired[ReadOnly[ChartValuesProcessesEntryProbe]],
        "env": NotRequired[ReadOnly[dict[str, str]]],
        "resources": NotRequired[ReadOnly[ChartValuesProcessesEntryResources]],
    },
)

ChartValuesCronJobsEntryResources = TypedDict(
    "ChartValuesCronJobsEntryResources",
    {
        "requests": NotRequired[ReadOnly[dict[str, str | int | float]]],
        "limits": NotRequired[ReadOnly[dict[str, str | int | float]]],
    },
)

ChartValuesCronJobsEntry = TypedDict(
    "ChartValuesCronJobsEntry",
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
        "resources": NotRequired[ReadOnly[ChartValuesCronJobsEntryResources]],
    },
)

ChartValuesMedia = TypedDict(
    "ChartValuesMedia",
    {
        "enabled": ReadOnly[bool],
        "mountPath": ReadOnly[str],
        "existingClaim": NotRequired[ReadOnly[str]],
        "size": NotRequired[ReadOnly[str]],
        "storageClassName": NotRequired[ReadOnly[str]],
        "accessModes": NotRequired[ReadOnly[list[Literal["ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]]]],
    },
)

ChartValuesServiceAccount = TypedDict(
    "ChartValuesServiceAccount",
    {
        "annotations": NotRequired[ReadOnly[dict[str, str]]],
    },
)

ChartValuesTopologySpread = TypedDict(
    "ChartValuesTopologySpread",
    {
        "enabled": ReadOnly[bool],
        "maxSkew": NotRequired[ReadOnly[int]],
    },
)

ChartValuesExtraVolumesItem = TypedDict(
    "ChartValuesExtraVolumesItem",
    {
        "name": ReadOnly[str],
    },
)

ChartValuesExtraVolumeMountsItem = TypedDict(
    "ChartValuesExtraVolumeMountsItem",
    {
        "name": ReadOnly[str],
        "mountPath": ReadOnly[str],
        "readOnly": NotRequired[ReadOnly[bool]],
        "subPath": NotRequired[ReadOnly[str]],
    },
)

ChartValuesMonitoringResources = TypedDict(
    "ChartValuesMonitoringResources",
    {
        "requests": NotRequired[ReadOnly[dict[str, str | int | float]]],
        "limits": NotRequired[ReadOnly[dict[str, str | int | float]]],
    },
)

ChartValuesMonitoringAlertsMigrationJobFailed = TypedDict(
    "ChartValuesMonitoringAlertsMigrationJobFailed",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ChartValuesMonitoringAlertsMigrationJobDeadlineExceeded = TypedDict(
    "ChartValuesMonitoringAlertsMigrationJobDeadlineExceeded",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ChartValuesMonitoringAlertsRolloutStuck = TypedDict(
    "ChartValuesMonitoringAlertsRolloutStuck",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ChartValuesMonitoringAlertsReplicasMismatch = TypedDict(
    "ChartValuesMonitoringAlertsReplicasMismatch",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ChartValuesMonitoringAlertsContractPending = TypedDict(
    "ChartValuesMonitoringAlertsContractPending",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ChartValuesMonitoringAlertsOldCodeRunning = TypedDict(
    "ChartValuesMonitoringAlertsOldCodeRunning",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ChartValuesMonitoringAlertsErrorsAfterDeploy = TypedDict(
    "ChartValuesMonitoringAlertsErrorsAfterDeploy",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
        "ratio": NotRequired[ReadOnly[float]],
        "windowSeconds": NotRequired[ReadOnly[int]],
    },
)

ChartValuesMonitoringAlertsUnappliedMigrations = TypedDict(
    "ChartValuesMonitoringAlertsUnappliedMigrations",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
    },
)

ChartValuesMonitoringAlertsLockWaits = TypedDict(
    "ChartValuesMonitoringAlertsLockWaits",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
        "sessions": NotRequired[ReadOnly[int]],
    },
)

ChartValuesMonitoringAlertsReplicaLag = TypedDict(
    "ChartValuesMonitoringAlertsReplicaLag",
    {
        "for": NotRequired[ReadOnly[str]],
        "severity": NotRequired[ReadOnly[str]],
        "seconds": NotRequired[ReadOnly[int]],
    },
)

ChartValuesMonitoringAlerts = TypedDict(
    "ChartValuesMonitoringAlerts",
    {
        "migrationJobFailed": NotRequired[ReadOnly[ChartValuesMonitoringAlertsMigrationJobFailed]],
        "migrationJobDeadlineExceeded": NotRequired[ReadOnly[ChartValuesMonitoringAlertsMigrationJobDeadlineExceeded]],
        "rolloutStuck": NotRequired[ReadOnly[ChartValuesMonitoringAlertsRolloutStuck]],
        "replicasMismatch": NotRequired[ReadOnly[ChartValuesMonitoringAlertsReplicasMismatch]],
        "contractPending": NotRequired[ReadOnly[ChartValuesMonitoringAlertsContractPending]],
        "oldCodeRunning": NotRequired[ReadOnly[ChartValuesMonitoringAlertsOldCodeRunning]],
        "errorsAfterDeploy": NotRequired[ReadOnly[ChartValuesMonitoringAlertsErrorsAfterDeploy]],
        "unappliedMigrations": NotRequired[ReadOnly[ChartValuesMonitoringAlertsUnappliedMigrations]],
        "lockWaits": NotRequired[ReadOnly[ChartValuesMonitoringAlertsLockWaits]],
        "replicaLag": NotRequired[ReadOnly[ChartValuesMonitoringAlertsReplicaLag]],
    },
)

ChartValuesMonitoringPostgresExporter = TypedDict(
    "ChartValuesMonitoringPostgresExporter",
    {
        "enabled": ReadOnly[bool],
        "selector": NotRequired[ReadOnly[str]],
    },
)

ChartValuesMonitoringGrafanaDashboard = TypedDict(
    "ChartValuesMonitoringGrafanaDashboard",
    {
        "enabled": ReadOnly[bool],
        "labels": NotRequired[ReadOnly[dict[str, str]]],
    },
)

ChartValuesMonitoring = TypedDict(
    "ChartValuesMonitoring",
    {
        "enabled": ReadOnly[bool],
        "port": NotRequired[ReadOnly[int]],
        "scrapeInterval": NotRequired[ReadOnly[str]],
        "labels": NotRequired[ReadOnly[dict[str, str]]],
        "alertLabels": NotRequired[ReadOnly[dict[str, str]]],
        "resources": NotRequired[ReadOnly[ChartValuesMonitoringResources]],
        "alerts": NotRequired[ReadOnly[ChartValuesMonitoringAlerts]],
        "postgresExporter": NotRequired[ReadOnly[ChartValuesMonitoringPostgresExporter]],
        "grafanaDashboard": NotRequired[ReadOnly[ChartValuesMonitoringGrafanaDashboard]],
    },
)

ChartValuesTests = TypedDict(
    "ChartValuesTests",
    {
        "enabled": ReadOnly[bool],
    },
)

ChartValues = TypedDict(
    "ChartValues",
    {
        "global": NotRequired[ReadOnly[dict[str, JSON]]],
        "nameOverride": NotRequired[ReadOnly[str]],
        "fullnameOverride": NotRequired[ReadOnly[str]],
        "image": ReadOnly[ChartValuesImage],
        "django": ReadOnly[ChartValuesDjango],
        "web": ReadOnly[ChartValuesWeb],
        "service": ReadOnly[ChartValuesService],
        "ingress": NotRequired[ReadOnly[ChartValuesIngress]],
        "networkPolicy": NotRequired[ReadOnly[ChartValuesNetworkPolicy]],
        "httpRoute": NotRequired[ReadOnly[ChartValuesHttpRoute]],
        "env": NotRequired[ReadOnly[dict[str, str | float | bool]]],
        "secretEnv": NotRequired[ReadOnly[dict[str, ChartValuesSecretEnvEntry]]],
        "extraEnvFrom": NotRequired[ReadOnly[list[ChartValuesExtraEnvFromItem]]],
        "fieldEnv": NotRequired[ReadOnly[dict[str, str]]],
        "database": ReadOnly[ChartValuesDatabase],
        "migrations": ReadOnly[ChartValuesMigrations],
        "processes": NotRequired[ReadOnly[dict[str, ChartValuesProcessesEntry]]],
        "cronJobs": NotRequired[ReadOnly[dict[str, ChartValuesCronJobsEntry]]],
        "media": NotRequired[ReadOnly[ChartValuesMedia]],
        "serviceAccount": NotRequired[ReadOnly[ChartValuesServiceAccount]],
        "podSecurityContext": NotRequired[ReadOnly[dict[str, JSON]]],
        "securityContext": NotRequired[ReadOnly[dict[str, JSON]]],
        "topologySpread": NotRequired[ReadOnly[ChartValuesTopologySpread]],
        "nodeSelector": NotRequired[ReadOnly[dict[str, str]]],
        "tolerations": NotRequired[ReadOnly[list[dict[str, JSON]]]],
        "extraInitContainers": NotRequired[ReadOnly[list[dict[str, JSON]]]],
        "extraContainers": NotRequired[ReadOnly[list[dict[str, JSON]]]],
        "extraVolumes": NotRequired[ReadOnly[list[ChartValuesExtraVolumesItem]]],
        "extraVolumeMounts": NotRequired[ReadOnly[list[ChartValuesExtraVolumeMountsItem]]],
        "affinity": NotRequired[ReadOnly[dict[str, JSON]]],
        "priorityClassName": NotRequired[ReadOnly[str]],
        "podLabels": NotRequired[ReadOnly[dict[str, str]]],
        "monitoring": NotRequired[ReadOnly[ChartValuesMonitoring]],
        "tests": NotRequired[ReadOnly[ChartValuesTests]],
    },
)
