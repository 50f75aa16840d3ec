"""Request-scoped read-your-writes state, shared by the middleware and the router through a contextvar.

The contextvar holds a mutable object rather than flags: a sync view under ASGI runs in a copied context
(asgiref's sync_to_async), and a write recorded there must still be visible to the middleware that set
the state up. Mutating the shared object works whichever context the router runs in.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass
class ReadState:
    pinned: bool = False   # a recent write by this client (cookie): read from the primary
    wrote: bool = False    # this request/task wrote: its later reads and the client's next use the primary


_current: ContextVar[ReadState | None] = ContextVar("djhelm_replica_read_state", default=None)


def current() -> ReadState | None:
    return _current.get()


def must_read_primary() -> bool:
    state = _current.get()
    return state is not None and (state.pinned or state.wrote)


def note_write() -> None:
    state = _current.get()
    if state is not None:
        state.wrote = True


@contextmanager
def tracking(state: ReadState) -> Iterator[ReadState]:
    """Make ``state`` the current read state for the code inside the block."""
    token = _current.set(state)
    try:
        yield state
    finally:
        _current.reset(token)


@contextmanager
def use_primary() -> Iterator[None]:
    """Send every read inside the block to the primary (e.g. a Celery task that must see its own writes)."""
    with tracking(ReadState(pinned=True)):
        yield


@contextmanager
def read_your_writes() -> Iterator[ReadState]:
    """Outside a request (tasks, commands): after the first write in the block, reads go to the primary."""
    with tracking(ReadState()) as state:
        yield state
