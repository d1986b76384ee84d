"""Dadkhah: an evidence-first knowledge graph of documents about the 1988 mass executions.

The shared core lives here: namespaces, configuration, IRIs, errors, SHACL validation and
store access. The ``loaders`` and ``server`` packages both build on it and never import
each other.
"""

__version__ = "0.2.0"
