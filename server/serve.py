"""Running the server: gunicorn by default, one worker process that owns the store and
serves requests from a pool of threads (the on-disk store admits one process)."""

from __future__ import annotations

from typing import Any

from dadkhah.config import Settings


def run(settings: Settings, *, host: str, port: int, threads: int, dev: bool = False) -> None:
    from . import create_app

    overrides = {"store": settings.store, "base_iri": settings.base_iri}
    if dev:
        create_app(overrides).run(host=host, port=port, threaded=True)
        return

    from gunicorn.app.base import BaseApplication

    class _Gunicorn(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options: dict[str, Any] = {
                "bind": f"{host}:{port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": 0,
                "accesslog": "-",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return create_app(overrides)

    _Gunicorn().run()
