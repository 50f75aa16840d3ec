"""Read replicas: route reads to them by weight, keep a request on the primary after it writes, skip a
replica that lags or fails, and never migrate one. Settings name `router.ReplicaRouter` and
`middleware.ReplicaPinningMiddleware` (djhelm.runtime.db.ROUTER and MIDDLEWARE); docs/replicas.md explains
each part."""
