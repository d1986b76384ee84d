"""One error handler: our errors keep their status and message; anything else is a 500 with
no traceback. The body is JSON when the client asked for JSON, plain text otherwise.

An error class may carry ``headers`` (``WWW-Authenticate`` on 401, ``Retry-After`` on 503);
a ``ShapeViolation`` lists its violations, one per line in text and as objects in JSON.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dadkhah.errors import DadkhahError, ShapeViolation

log = logging.getLogger(__name__)


def _render(status: int, title: str, message: str, extra: dict[str, Any] | None = None) -> Response:
    wants_json = request.accept_mimetypes.best_match(["text/plain", "application/json"])
    if wants_json == "application/json" and request.accept_mimetypes["application/json"] > 0:
        response = jsonify({"status": status, "error": title, "message": message, **(extra or {})})
    else:
        response = Response(f"{status} {title}\n\n{message}\n", mimetype="text/plain")
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(DadkhahError)
    def _ours(err: DadkhahError) -> Response:
        extra = None
        if isinstance(err, ShapeViolation):
            extra = {"violations": [dataclasses.asdict(v) for v in err.violations]}
        response = _render(err.status, type(err).__name__, str(err), extra)
        for key, value in getattr(err, "headers", {}).items():
            response.headers[key] = value
        return response

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> Response:
        response = _render(err.code or 500, err.name, err.description or "")
        for key, value in err.get_headers():
            if key.lower() == "allow":
                response.headers[key] = value
        return response

    @app.errorhandler(Exception)
    def _bug(err: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(500, "Internal Server Error", "The server failed; the error was logged.")
