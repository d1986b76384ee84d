"""One error handler: our errors keep their status and message; anything else is a 500 with
no traceback. The body is JSON when the client asked for JSON, plain text otherwise."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from dadkhah.errors import DadkhahError

log = logging.getLogger(__name__)


def _render(status: int, title: str, message: str) -> Response:
    wants_json = request.accept_mimetypes.best_match(["text/plain", "application/json"])
    if wants_json == "application/json" and request.accept_mimetypes["application/json"] > 0:
        response = jsonify({"status": status, "error": title, "message": message})
    else:
        response = Response(f"{status} {title}\n\n{message}\n", mimetype="text/plain")
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(DadkhahError)
    def _ours(err: DadkhahError) -> Response:
        return _render(err.status, type(err).__name__, str(err))

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
