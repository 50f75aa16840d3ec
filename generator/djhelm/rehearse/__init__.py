"""`djhelm rehearse`: play a release's rollout on this machine, in Kubernetes' order and with its timing, with
the real code of both releases, a real PostgreSQL and load all along, and report every failed request.

Modules, each with one job: `releases` (git worktrees or folders), `database` (a throwaway PostgreSQL),
`manifests` (the rendered chart: pod specs, env, rollout parameters), `pods` (a container as the kubelet
runs it: probes, preStop, SIGTERM, SIGKILL), `endpoints` (what the Service sends to), `load` (HTTP and ORM
load), `jobs` (migration Jobs), `locks` (pg_locks sampling), `play` (the timeline), `report` and `timeline`
(what it found).
"""
