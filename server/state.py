"""What the app holds per process: its settings and its store (embedded or remote)."""

from __future__ import annotations

from flask import Flask

from dadkhah.config import Settings
from dadkhah.remote import RemoteStore
from dadkhah.store import EmbeddedStore


def settings_of(app: Flask) -> Settings:
    value = app.config["DADKHAH"]
    assert isinstance(value, Settings)
    return value


def store_of(app: Flask) -> EmbeddedStore | RemoteStore:
    value = app.extensions["dadkhah.store"]
    assert isinstance(value, EmbeddedStore | RemoteStore)
    return value
