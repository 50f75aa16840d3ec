"""gunicorn defaults for the shop image. Command-line flags (the Helm chart passes --workers and
--graceful-timeout from djhelm.yaml) take precedence over this file."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# On SIGTERM gunicorn stops accepting, lets in-flight requests finish for this long, then exits.
# Keep it below the pod's terminationGracePeriodSeconds minus the preStop sleep.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "25"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Heartbeat files on a tmpfs: a slow overlay filesystem must not make the arbiter kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
# The ingress controller is the only client that reaches the pod; trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")
