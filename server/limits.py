"""How many SPARQL and Graph Store requests one server process runs at once.

A request past the limit is answered at once with 503 and ``Retry-After`` instead of
queueing behind slow queries; pages and self-description are not counted, so the site stays
usable while the endpoint is saturated. A streamed result holds its slot until the body has
been sent (the WSGI server closes it), since the engine works for as long as it streams.
"""

from __future__ import annotations

import threading

from flask import Flask, Response, after_this_request, current_app

from dadkhah.errors import DadkhahError


class Saturated(DadkhahError):
    """Every query slot is busy."""

    status = 503
    headers = {"Retry-After": "1"}


def init_app(app: Flask, slots: int) -> None:
    app.extensions["dadkhah.slots"] = threading.BoundedSemaphore(slots)


def take_slot() -> None:
    """Hold a slot for the current request, or raise ``Saturated``."""
    slots: threading.BoundedSemaphore = current_app.extensions["dadkhah.slots"]
    if not slots.acquire(blocking=False):
        raise Saturated("the endpoint is busy with other queries; retry in a moment")
    released = threading.Event()

    def release() -> None:
        if not released.is_set():
            released.set()
            slots.release()

    @after_this_request
    def _hold_until_sent(response: Response) -> Response:
        if response.is_streamed:
            response.call_on_close(release)  # the work goes on while the body streams
        else:
            release()
        return response
