{{/*
One migration Job. Arguments: root (the chart context) and phase: "all" (plain migrate), "pre", "post", or
"rollback-check" (the guard Helm runs from the *target* release before a rollback: pre-rollback hook).

Ordering by strategy:
  hook    pre/all: pre-install,pre-upgrade hook, weight 0 (after its ServiceAccount -20 and ConfigMap -10)
          post:    post-install,post-upgrade hook; nothing waits on it, so `helm upgrade --wait` cannot deadlock
  argocd  pre/all: PreSync hook, sync wave 0; post: PostSync hook
  job     pre/all: a regular Job named with a hash of its inputs; app pods wait in `wait-for-migrations`
          post:    a Helm post-install,post-upgrade hook (Helm and Flux run it once the rollout is done)
*/}}
{{- define "djhelm.migrationJob" -}}
{{- $root := .root -}}
{{- $phase := .phase -}}
{{- $m := $root.Values.migrations -}}
{{- $strategy := $m.strategy -}}
{{- $suffix := ternary "migrate-post" "migrate" (eq $phase "post") -}}
{{- if eq $phase "rollback-check" }}{{ $suffix = "rollback-check" }}{{ end -}}
{{- $late := or (eq $phase "post") (eq $phase "rollback-check") -}}
{{- $name := printf "%s-%s" (include "djhelm.shortname" $root) $suffix -}}
{{- /* The post Job is a Helm hook even under `job`: a fixed name lets before-hook-creation replace it. */}}
{{- if and (eq $strategy "job") (not $late) }}
{{- $name = printf "%s-%s" $name (include "djhelm.migrationHash" $root) }}
{{- end }}
{{- $isHelmHook := or (eq $strategy "hook") (and (eq $strategy "job") $late) -}}
apiVersion: batch/v1
kind: Job
metadata:
  name: {{ $name }}
  labels:
    {{- include "djhelm.labels" $root | nindent 4 }}
    {{- /* the rollback check applies nothing: not a migration Job for the rules that look for those */}}
    app.kubernetes.io/component: {{ ternary "rollback-check" "migrations" (eq $phase "rollback-check") }}
  annotations:
    {{- if ne $phase "rollback-check" }}
    djhelm.dev/migration-phase: {{ $phase }}
    {{- end }}
    {{- if $isHelmHook }}
    {{- if eq $phase "rollback-check" }}
    helm.sh/hook: pre-rollback
    {{- else }}
    helm.sh/hook: {{ ternary "post-install,post-upgrade" "pre-install,pre-upgrade" (eq $phase "post") }}
    {{- end }}
    helm.sh/hook-weight: "0"
    # Keep the finished Job (and its logs) until the next release replaces it.
    helm.sh/hook-delete-policy: before-hook-creation
    # Helm >= 3.18 prints the migration log in the client; older versions ignore this.
    helm.sh/hook-output-log-policy: hook-succeeded,hook-failed
    {{- else if eq $strategy "argocd" }}
    argocd.argoproj.io/hook: {{ ternary "PostSync" "PreSync" (eq $phase "post") }}
    argocd.argoproj.io/hook-delete-policy: BeforeHookCreation
    argocd.argoproj.io/sync-wave: "0"
    {{- end }}
spec:
  backoffLimit: {{ $m.backoffLimit }}
  # Below the `helm upgrade --timeout 10m` that docs/chart.md recommends, so Helm reports the Job's failure.
  activeDeadlineSeconds: {{ $m.activeDeadlineSeconds }}
  template:
    metadata:
      labels:
        {{- include "djhelm.selectorLabels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ ternary "rollback-check" "migrations" (eq $phase "rollback-check") }}
        {{- include "djhelm.podLabels" $root | nindent 8 }}
      {{- if ne $phase "rollback-check" }}
      annotations:
        djhelm.dev/migration-phase: {{ $phase }}
      {{- end }}
    spec:
      restartPolicy: Never
      serviceAccountName: {{ include "djhelm.migrationsName" $root }}
      automountServiceAccountToken: false
      {{- with $root.Values.image.pullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . | toJson }}
        {{- end }}
      {{- end }}
      securityContext:
        {{- include "djhelm.podSecurityContext" $root | nindent 8 }}
      initContainers:
        {{- with $root.Values.extraInitContainers }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
        # A fresh database (or a failover) may not accept connections yet; wait, bounded, before migrating.
        - name: wait-for-database
          image: {{ include "djhelm.image" $root | toJson }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- with (include "djhelm.workingDir" $root | trim) }}{{ . | nindent 10 }}{{ end }}
          command:
            - python
            - -c
            - |
              import os, sys, time
              import django
              django.setup()
              from django.db import connection
              deadline = time.monotonic() + int(os.environ["DJHELM_DATABASE_WAIT_SECONDS"])
              while True:
                  try:
                      connection.ensure_connection()
                      break
                  except Exception as error:
                      connection.close()
                      if time.monotonic() > deadline:
                          sys.exit(f"wait-for-database: giving up: {error}")
                      print(f"wait-for-database: {error}; retrying in 2s", flush=True)
                      time.sleep(2)
              print("wait-for-database: database is accepting connections", flush=True)
          env:
            {{- include "djhelm.migrationEnv" $root | trim | nindent 12 }}
          {{- include "djhelm.envFrom" (dict "root" $root "configMap" (include "djhelm.migrationsName" $root)) | nindent 10 }}
          securityContext:
            {{- include "djhelm.securityContext" $root | nindent 12 }}
          resources:
            {{- toYaml $root.Values.migrations.resources | nindent 12 }}
          {{- include "djhelm.tmpMount" $root | nindent 10 }}
      containers:
        - name: migrate
          image: {{ include "djhelm.image" $root | toJson }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          {{- with (include "djhelm.workingDir" $root | trim) }}{{ . | nindent 10 }}{{ end }}
          command:
            - python
            - manage.py
            {{- if eq $phase "all" }}
            - migrate
            - --noinput
            {{- else }}
            - migrate_phase
            - {{ $phase }}
            {{- end }}
          env:
            {{- include "djhelm.migrationEnv" $root | trim | nindent 12 }}
            {{- if eq $phase "post" }}
            # post waits for processes still running old code (the registry); it gives up with their
            # names at half the Job's deadline, so the log says why instead of a bare DeadlineExceeded
            - name: DJHELM_POST_WAIT
              value: {{ printf "%ds" (div (int $m.activeDeadlineSeconds) 2) | toJson }}
            {{- end }}
          {{- include "djhelm.envFrom" (dict "root" $root "configMap" (include "djhelm.migrationsName" $root)) | nindent 10 }}
          securityContext:
            {{- include "djhelm.securityContext" $root | nindent 12 }}
          resources:
            {{- toYaml $root.Values.migrations.resources | nindent 12 }}
          {{- include "djhelm.tmpMount" $root | nindent 10 }}
      {{- include "djhelm.scheduling" $root | nindent 6 }}
      {{- include "djhelm.tmpVolume" $root | nindent 6 }}
{{- end }}
