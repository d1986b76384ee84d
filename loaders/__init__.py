"""Loaders: one module per input format, each turning bytes into a graph.

Every loader is pure (bytes in, a ``LoadUnit`` out: no store, no Flask, no globals).
``commit`` is the separate step that validates a unit against the shapes and writes it to
the store in one transaction.
"""
