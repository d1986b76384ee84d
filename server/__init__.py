"""The Flask application: a SPARQL endpoint and linked-data pages over one Dadkhah store.

``create_app`` follows the application-factory pattern: settings from defaults, then the
environment, then the mapping passed in; one store opened per process; one blueprint per face.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from dadkhah.config import load_settings
from dadkhah.iris import Minter
from dadkhah.store import EmbeddedStore

from . import errors, pages, sparql


def create_app(
    config: Mapping[str, Any] | None = None, *, store: EmbeddedStore | None = None
) -> Flask:
    """Build the app. ``config`` overrides settings (``store``, ``base_iri``, ...).

    Pass an open ``store`` to share one the caller already holds (tests, the CLI); otherwise
    the app opens the store its settings name.
    """
    app = Flask(__name__)
    settings = load_settings(config)
    app.config["DADKHAH"] = settings
    app.config["MAX_CONTENT_LENGTH"] = 16 * 1024 * 1024
    app.extensions["dadkhah.store"] = store or EmbeddedStore(settings.store)
    app.extensions["dadkhah.minter"] = Minter(settings.base_iri)
    errors.init_app(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(pages.bp)
    return app
