"""Read-your-writes for web requests: after a client writes, its reads use the primary for pin_seconds.

settings.py: MIDDLEWARE = [..., "djhelm.runtime.replicas.middleware.ReplicaPinningMiddleware", ...] (djhelm's
db.MIDDLEWARE; anywhere before the views; above SessionMiddleware so a session save counts as a write).
Works under WSGI and ASGI.

A request that writes (the router's db_for_write ran) gets a cookie holding the time the pin expires
(now + pin_seconds, millisecond precision), signed with SECRET_KEY; a request carrying a valid, unexpired
one reads from the primary. The signature stops clients from forging or extending it, and an expiry further
ahead than pin_seconds (the setting was lowered) is not trusted.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponseBase

from djhelm.runtime.replicas import state as replica_state
from djhelm.runtime.replicas.options import ReplicaOptions, load

_SALT = "djhelm.runtime.replica-pin"


class ReplicaPinningMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self._async = iscoroutinefunction(get_response)
        if self._async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self._async:
            return self.__acall__(request)
        options = load()
        with replica_state.tracking(self._begin(request, options)) as state:
            response = self.get_response(request)
        return self._finish(response, state, options)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        options = load()
        with replica_state.tracking(self._begin(request, options)) as state:
            get_response: Callable[[HttpRequest], Awaitable[HttpResponseBase]] = self.get_response
            response = await get_response(request)
        return self._finish(response, state, options)

    @staticmethod
    def _begin(request: HttpRequest, options: ReplicaOptions) -> replica_state.ReadState:
        if options.pin_seconds <= 0 or options.cookie_name not in request.COOKIES:
            return replica_state.ReadState()
        value = request.get_signed_cookie(options.cookie_name, default=None, salt=_SALT)
        try:
            expires = float(value) if value is not None else 0.0
        except ValueError:
            expires = 0.0
        now = time.time()
        return replica_state.ReadState(pinned=now < expires <= now + options.pin_seconds)

    @staticmethod
    def _finish(response: HttpResponseBase, state: replica_state.ReadState,
                options: ReplicaOptions) -> HttpResponseBase:
        if state.wrote and options.pin_seconds > 0 and options.weights:
            expires = f"{time.time() + options.pin_seconds:.3f}"
            response.set_signed_cookie(options.cookie_name, expires, salt=_SALT,
                                       max_age=max(1, math.ceil(options.pin_seconds)), httponly=True,
                                       samesite="Lax")
        return response
