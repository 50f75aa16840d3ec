{{/*
Helpers shared by every template. This file is static: djhelm copies it verbatim, so no project text
ever becomes template code; every project choice arrives through .Values.
*/}}

{{/* Chart name, overridable with nameOverride. */}}
{{- define "djhelm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: release-chart, cut to the 63 characters DNS names allow. */}}
{{- define "djhelm.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Base for names that get a suffix (Job names also become a label value, at most 63 characters). */}}
{{- define "djhelm.shortname" -}}
{{- include "djhelm.fullname" . | trunc 40 | trimSuffix "-" }}
{{- end }}

{{- define "djhelm.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Standard labels on every object. */}}
{{- define "djhelm.labels" -}}
helm.sh/chart: {{ include "djhelm.chart" . | toJson }}
{{ include "djhelm.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | toString | toJson }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: {{ include "djhelm.name" . | toJson }}
{{- end }}

{{/* Labels that never change during a release's life (Deployment selectors are immutable). */}}
{{- define "djhelm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "djhelm.name" . | toJson }}
app.kubernetes.io/instance: {{ .Release.Name | toJson }}
{{- end }}

{{- define "djhelm.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) }}
{{- with .Values.image.digest }}@{{ . }}{{ end }}
{{- end }}

{{- define "djhelm.serviceAccountName" -}}
{{- include "djhelm.fullname" . }}
{{- end }}

{{- define "djhelm.migrationsName" -}}
{{- printf "%s-migrations" (include "djhelm.shortname" .) }}
{{- end }}

{{/*
Short hash of everything a migration run depends on. The `job` strategy puts it in the Job name, so a new
image or new migration settings create a new Job (Job specs are immutable) and an unchanged release keeps
the finished one.
*/}}
{{- define "djhelm.migrationHash" -}}
{{- printf "%s|%s|%s|%s" (include "djhelm.image" .) (toJson .Values.migrations) (toJson .Values.database) (toJson .Values.django) | sha256sum | trunc 8 }}
{{- end }}

{{/* Pod-level security settings shared by every pod. */}}
{{- define "djhelm.podSecurityContext" -}}
{{- toYaml .Values.podSecurityContext }}
{{- end }}

{{/* Container-level security settings shared by every container. */}}
{{- define "djhelm.securityContext" -}}
{{- toYaml .Values.securityContext }}
{{- end }}

{{/* Optional working directory (the folder with manage.py inside the image). */}}
{{- define "djhelm.workingDir" -}}
{{- with .Values.django.workingDir }}
workingDir: {{ . | toJson }}
{{- end }}
{{- end }}

{{/* The writable /tmp every container gets (the root filesystem is read-only), and the user's extraVolumeMounts. */}}
{{- define "djhelm.tmpMount" -}}
volumeMounts:
  - name: tmp
    mountPath: /tmp
  {{- with .Values.extraVolumeMounts }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{- define "djhelm.tmpVolume" -}}
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 256Mi
  {{- with .Values.extraVolumes }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/* Mounts and volumes of pods that serve or work (web, processes, cron jobs): /tmp, extras and media. */}}
{{- define "djhelm.appMounts" -}}
{{- include "djhelm.tmpMount" . }}
{{- if .Values.media.enabled }}
  - name: media
    mountPath: {{ .Values.media.mountPath | toJson }}
{{- end }}
{{- end }}

{{- define "djhelm.appVolumes" -}}
{{- include "djhelm.tmpVolume" . }}
{{- if .Values.media.enabled }}
  - name: media
    persistentVolumeClaim:
      claimName: {{ .Values.media.existingClaim | default (printf "%s-media" (include "djhelm.fullname" .)) | toJson }}
{{- end }}
{{- end }}

{{/* A secretKeyRef source from a {secretName, key, optional} value. */}}
{{- define "djhelm.secretRef" -}}
valueFrom:
  secretKeyRef:
    name: {{ .secretName | toJson }}
    key: {{ .key | toJson }}
    {{- if .optional }}
    optional: true
    {{- end }}
{{- end }}

{{/* secretEnv entries: every user secret arrives by reference only. */}}
{{- define "djhelm.secretEnv" -}}
{{- range $name, $ref := .Values.secretEnv }}
- name: {{ $name | toJson }}
  {{- include "djhelm.secretRef" $ref | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Env of long-running app containers (web, workers): the pooled primary URL, secrets, and the read replicas.
Each replica URL gets its own variable; DATABASE_REPLICA_URLS joins them with Kubernetes' $(VAR) expansion,
which works because the referenced variables are defined earlier in the same list.
*/}}
{{- define "djhelm.appEnv" -}}
- name: DATABASE_URL
  {{- include "djhelm.secretRef" .Values.database.url | nindent 2 }}
{{- include "djhelm.secretEnv" . }}
{{- with .Values.database.replicas }}
{{- $refs := list }}
{{- $weights := list }}
{{- range $name, $replica := . }}
{{- $var := printf "DATABASE_REPLICA_URL_%s" ($name | upper) }}
- name: {{ $var }}
  {{- include "djhelm.secretRef" $replica | nindent 2 }}
{{- $refs = append $refs (printf "$(%s)" $var) }}
{{- /* hasKey, not `default`: Sprig's default treats weight 0 as unset, and 0 means "out of rotation" */}}
{{- $weight := ternary $replica.weight 1 (hasKey $replica "weight") }}
{{- $weights = append $weights (printf "%s=%v" $name $weight) }}
{{- end }}
- name: DATABASE_REPLICA_URLS
  value: {{ join "," $refs | toJson }}
- name: DATABASE_REPLICA_WEIGHTS
  value: {{ join "," $weights | toJson }}
{{- end }}
{{- include "djhelm.fieldEnv" . }}
{{- end }}

{{/*
Env of everything that runs or waits for migrations: the primary only, never a replica. DATABASE_URL points
at migrationUrl (direct to the primary, bypassing a pooler) when it is set, so a plain `manage.py migrate`
uses it too; DATABASE_MIGRATION_URL is set for djhelm.runtime.
*/}}
{{- define "djhelm.migrationEnv" -}}
{{- if .Values.database.migrationUrl }}
- name: DATABASE_URL
  {{- include "djhelm.secretRef" .Values.database.migrationUrl | nindent 2 }}
- name: DATABASE_MIGRATION_URL
  {{- include "djhelm.secretRef" .Values.database.migrationUrl | nindent 2 }}
{{- else }}
- name: DATABASE_URL
  {{- include "djhelm.secretRef" .Values.database.url | nindent 2 }}
{{- end }}
{{- include "djhelm.secretEnv" . }}
{{- include "djhelm.fieldEnv" . }}
{{- end }}

{{/* Non-secret settings shared by the app ConfigMap and the migration ConfigMap copy. */}}
{{- define "djhelm.configData" -}}
DJANGO_SETTINGS_MODULE: {{ .Values.django.settingsModule | toJson }}
{{- range $name, $value := .Values.env }}
{{ $name | toJson }}: {{ $value | toString | toJson }}
{{- end }}
{{- end }}

{{/* True when app pods must wait for migrations themselves: nothing else orders them after the Job. */}}
{{- define "djhelm.podsWaitForMigrations" -}}
{{- if has .Values.migrations.strategy (list "job" "none") }}true{{ end }}
{{- end }}

{{/*
Init container that holds an app pod until the schema it needs is in place. With phases it waits for the
`pre` migrations only (post migrations run after the rollout); without phases for every migration.
*/}}
{{- define "djhelm.waitForMigrations" -}}
- name: wait-for-migrations
  image: {{ include "djhelm.image" . | toJson }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- with (include "djhelm.workingDir" . | trim) }}{{ . | nindent 2 }}{{ end }}
  {{- if .Values.migrations.phases }}
  command:
    - python
    - manage.py
    - migrate_phase
    - wait
    - --timeout
    - {{ .Values.migrations.waitTimeoutSeconds | toString | toJson }}
  {{- else }}
  command:
    - python
    - -c
    - |
      import os, subprocess, sys, time
      deadline = time.monotonic() + int(os.environ["DJHELM_WAIT_TIMEOUT_SECONDS"])
      check = [sys.executable, "manage.py", "migrate", "--check", "--noinput"]
      while subprocess.call(check, stdout=subprocess.DEVNULL) != 0:
          if time.monotonic() > deadline:
              sys.exit("wait-for-migrations: migrations still unapplied after DJHELM_WAIT_TIMEOUT_SECONDS")
          print("wait-for-migrations: unapplied migrations, checking again in 5s", flush=True)
          time.sleep(5)
  {{- end }}
  env:
    - name: DJHELM_WAIT_TIMEOUT_SECONDS
      value: {{ .Values.migrations.waitTimeoutSeconds | toString | toJson }}
    {{- include "djhelm.migrationEnv" . | trim | nindent 4 }}
  {{- include "djhelm.envFrom" (dict "root" . "configMap" (include "djhelm.fullname" .)) | nindent 2 }}
  securityContext:
    {{- include "djhelm.securityContext" . | nindent 4 }}
  resources:
    {{- toYaml .Values.web.resources | nindent 4 }}
  {{- include "djhelm.tmpMount" . | nindent 2 }}
{{- end }}

{{/* Spread pods of one component over zones and nodes, without ever blocking scheduling. */}}
{{- define "djhelm.topologySpread" -}}
{{- if .root.Values.topologySpread.enabled }}
topologySpreadConstraints:
  {{- range $key := list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
  - maxSkew: {{ $.root.Values.topologySpread.maxSkew }}
    topologyKey: {{ $key }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "djhelm.selectorLabels" $.root | nindent 8 }}
        app.kubernetes.io/component: {{ $.component }}
    matchLabelKeys:
      - pod-template-hash
  {{- end }}
{{- end }}
{{- end }}

{{/*
Annotations that order a migration object before (or after) the rollout.
  hook:   Helm hooks; lower weights run first; before-hook-creation keeps logs until the next release.
  argocd: Argo CD hooks and sync waves only (Argo ignores Helm hook annotations once its own are present).
  job:    nothing; the object is a regular resource and app pods wait on the database state instead.
Arguments: root, weight, helmHook, argoHook.
*/}}
{{- define "djhelm.migrationOrdering" -}}
{{- $strategy := .root.Values.migrations.strategy }}
{{- if eq $strategy "hook" }}
helm.sh/hook: {{ .helmHook }}
helm.sh/hook-weight: {{ .weight | quote }}
helm.sh/hook-delete-policy: before-hook-creation
{{- else if eq $strategy "argocd" }}
argocd.argoproj.io/hook: {{ .argoHook }}
argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
argocd.argoproj.io/sync-wave: {{ .weight | quote }}
{{- end }}
{{- end }}

{{/* Which hooks the migration ServiceAccount and ConfigMap copy belong to: the post Job needs them too. */}}
{{- define "djhelm.migrationSupportHooks" -}}
{{- if .Values.migrations.phases -}}
pre-install,pre-upgrade,post-install,post-upgrade
{{- else -}}
pre-install,pre-upgrade
{{- end }}
{{- end }}

{{/* for, labels and annotations of one alert. Arguments: alert ({for, severity}), labels, summary, description. */}}
{{- define "djhelm.alertMeta" -}}
for: {{ .alert.for | toJson }}
labels:
  severity: {{ .alert.severity | toJson }}
  {{- with .labels }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
annotations:
  summary: {{ .summary | toJson }}
  description: {{ .description | toJson }}
{{- end }}

{{/*
The web pod's metrics container: `manage.py djhelm_metrics` merges what the server's workers wrote to the
shared folder and adds djhelm's database gauges, on a port that no Service or Ingress publishes. No probes:
a slow scrape must never take a serving pod out of the load balancer.
*/}}
{{- define "djhelm.metricsContainer" -}}
- name: metrics
  image: {{ include "djhelm.image" . | toJson }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- with (include "djhelm.workingDir" . | trim) }}{{ . | nindent 2 }}{{ end }}
  command:
    - python
    - manage.py
    - djhelm_metrics
    - --port
    - {{ .Values.monitoring.port | toString | quote }}
  ports:
    - name: metrics
      containerPort: {{ .Values.monitoring.port }}
      protocol: TCP
  env:
    {{- include "djhelm.appEnv" . | trim | nindent 4 }}
    - name: PROMETHEUS_MULTIPROC_DIR
      value: /run/djhelm-metrics
  {{- include "djhelm.envFrom" (dict "root" . "configMap" (include "djhelm.fullname" .)) | nindent 2 }}
  securityContext:
    {{- include "djhelm.securityContext" . | nindent 4 }}
  resources:
    {{- toYaml .Values.monitoring.resources | nindent 4 }}
  {{- include "djhelm.tmpMount" . | nindent 2 }}
    - name: metrics
      mountPath: /run/djhelm-metrics
{{- end }}

{{/* Where every pod of the release may run: nodeSelector, tolerations, affinity, priority class. */}}
{{- define "djhelm.scheduling" -}}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.priorityClassName }}
priorityClassName: {{ . | toJson }}
{{- end }}
{{- end }}

{{/* Extra labels on every pod; the chart's own (selector) labels always win. */}}
{{- define "djhelm.podLabels" -}}
{{- with (omit .Values.podLabels "app.kubernetes.io/name" "app.kubernetes.io/instance" "app.kubernetes.io/component") }}
{{- toYaml . }}
{{- end }}
{{- end }}

{{/*
envFrom of a container that runs the app's code: the user's ConfigMaps and Secrets first, then the chart's
own ConfigMap (`configMap`), which comes last so its variables win. Arguments: root, configMap.
*/}}
{{- define "djhelm.envFrom" -}}
envFrom:
  {{- range .root.Values.extraEnvFrom }}
  {{- $kind := ternary "configMapRef" "secretRef" (hasKey . "configMapRef") }}
  {{- $ref := get . $kind }}
  - {{ $kind }}:
      name: {{ $ref.name | toJson }}
      optional: {{ $ref.optional | default false }}
  {{- end }}
  - configMapRef:
      name: {{ .configMap | toJson }}
{{- end }}

{{/* Pod facts as environment variables (Downward API): NAME: fieldPath. */}}
{{- define "djhelm.fieldEnv" -}}
{{- range $name, $path := .Values.fieldEnv }}
- name: {{ $name | toJson }}
  valueFrom:
    fieldRef:
      fieldPath: {{ $path | toJson }}
{{- end }}
{{- end }}
