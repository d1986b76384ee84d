"""The Flask application: a SPARQL endpoint and linked-data pages over one Dadkhah store.

``create_app`` follows the application-factory pattern: settings from defaults, then the
environment, then the mapping passed in; one store opened per process; one blueprint per face.
The store is the embedded Oxigraph directory, or (``store = http://...``, as ``dadkhah serve``
arranges with its private ``oxigraph serve``) a ``RemoteStore`` that can stop runaway queries.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dadkhah.config import load_settings
from dadkhah.iris import Minter
from dadkhah.remote import RemoteStore
from dadkhah.store import EmbeddedStore, open_any

from . import claims, describe, errors, export, gsp, limits, linked, pages, search, sparql, stats


def create_app(
    config: Mapping[str, Any] | None = None, *, store: EmbeddedStore | RemoteStore | None = None
) -> Flask:
    """Build the app. ``config`` overrides settings (``store``, ``base_iri``, ...).

    Pass an open ``store`` to share one the caller already holds (tests, the CLI); otherwise
    the app opens the store its settings name.
    """
    app = Flask(__name__)
    settings = load_settings(config)
    app.config["DADKHAH"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.config["MAX_FORM_MEMORY_SIZE"] = settings.max_body_bytes
    app.extensions["dadkhah.store"] = store or open_any(settings.store)
    app.extensions["dadkhah.minter"] = Minter(settings.base_iri)
    stats.init_app(app, app.extensions["dadkhah.store"])
    errors.init_app(app)
    describe.init_app(app)
    limits.init_app(app, settings.max_concurrent)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(gsp.bp)
    app.register_blueprint(describe.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(claims.bp)
    app.register_blueprint(search.bp)
    app.register_blueprint(export.bp)
    app.register_blueprint(linked.bp)
    return app
