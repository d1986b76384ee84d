"""The curated entity registry (YAML): entities with labels, aliases and transliterations,
and the measures quantity claims count.

```yaml
measures:
  - id: executed-count
    label: number of people executed
    description: ...
entities:
  - id: raisi
    type: Person            # Person | Organization | Place | Event | Work
    label: Ebrahim Raisi
    aliases: [Raisi]
    transliterations: [Raesi, Raeesi]
    pejoratives: []
    labels: {fa: ...}       # preferred labels in other languages, one per language
    description: ...
    wikidata: Q...          # only when verified; then also wikidata_source: <url>
```
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from rdflib.namespace import OWL, RDFS, SKOS

from dadkhah import __version__
from dadkhah.errors import LoadError
from dadkhah.iris import Minter, is_valid_id
from dadkhah.namespaces import DK, SCHEMA
from dadkhah.ntriples import Triples
from dadkhah.units import LoadUnit, PreparedUnit

from .inputs import batch_id, is_language_tag, read_mapping, sha256_hex
from .text import provenance_triples
from .yamlfile import Fields

ENTITY_TYPES = {"Person", "Organization", "Place", "Event", "Work"}
ENTITY_KEYS = {
    "id", "type", "label", "aliases", "transliterations", "pejoratives", "description",
    "wikidata", "wikidata_source", "labels",
}  # fmt: skip
MEASURE_KEYS = {"id", "label", "description", "unit"}
_QID = re.compile(r"Q[1-9][0-9]*\Z")
LANG = "en"


def is_registry_file(path: Path) -> bool:
    return path.suffix in {".yaml", ".yml"} and path.stem.startswith("registry")


def _id(fields: Fields, seen: set[str]) -> str:
    value = fields.text("id", required=True)
    assert value is not None
    if not is_valid_id(value):
        raise LoadError(fields.path, f"{fields.where}.id", "a slug of A-Z a-z 0-9 . _ -", value)
    if value in seen:
        raise LoadError(fields.path, f"{fields.where}.id", "an id used once", f"{value} again")
    seen.add(value)
    return value


def registry_fingerprint(digest: str) -> str:
    """What a registry's load depends on: its bytes and the loader's version."""
    return sha256_hex(f"{digest} {__version__}".encode())


def load_registry(data: bytes, *, path: str, minter: Minter, loaded_at: datetime) -> LoadUnit:
    return prepare_registry(data, path=path, minter=minter, loaded_at=loaded_at).to_load_unit()


def prepare_registry(
    data: bytes, *, path: str, minter: Minter, loaded_at: datetime
) -> PreparedUnit:
    """``load_registry`` for the load path (N-Triples lines)."""
    graph = minter.registry_graph(batch_id(path))
    doc = read_mapping(data, path)
    top = Fields(doc, path, "registry", {"measures", "entities"})
    g = Triples()
    scheme = str(minter.measure_scheme())
    g.a(scheme, str(SKOS.ConceptScheme))
    g.text(scheme, _PREF, "measures", LANG)
    seen: set[str] = set()
    for i, raw in enumerate(top.items("measures")):
        f = Fields(raw, path, f"measures[{i}]", MEASURE_KEYS)
        measure = str(minter.measure(_id(f, seen)))
        g.a(measure, str(SKOS.Concept))
        g.iri(measure, str(SKOS.inScheme), scheme)
        label = f.text("label", required=True)
        assert label is not None
        g.text(measure, _PREF, label, LANG)
        description = f.text("description")
        if description:
            g.text(measure, str(SKOS.definition), description, LANG)
        unit = f.text("unit")
        if unit:
            g.text(measure, str(SCHEMA.unitText), unit)
    entities = top.items("entities")
    if not entities:
        raise LoadError(path, "registry.entities", "at least one entity")
    for i, raw in enumerate(entities):
        f = Fields(raw, path, f"entities[{i}]", ENTITY_KEYS)
        entity = str(minter.entity(_id(f, seen)))
        kind = f.text("type")
        if kind is not None:  # a missing type is left to the shapes to report
            if kind not in ENTITY_TYPES:
                expected = "one of " + ", ".join(sorted(ENTITY_TYPES))
                raise LoadError(path, f"entities[{i}].type", expected, kind)
            g.a(entity, str(DK[kind]))
        label = f.text("label")
        if label:
            g.text(entity, _PREF, label, LANG)
            g.text(entity, str(RDFS.label), label, LANG)
        _labels(g, entity, f, english=bool(label))
        for alias in f.strings("aliases"):
            g.text(entity, str(SKOS.altLabel), alias, LANG)
        for spelling in f.strings("transliterations"):
            g.text(entity, str(DK.transliteration), spelling, LANG)
        for slur in f.strings("pejoratives"):
            g.text(entity, str(DK.pejorativeLabel), slur, LANG)
        description = f.text("description")
        if description:
            g.text(entity, str(SCHEMA.description), description, LANG)
        qid = f.text("wikidata")
        if qid:
            if not _QID.match(qid) or not f.text("wikidata_source"):
                raise LoadError(
                    path,
                    f"entities[{i}].wikidata",
                    "a Q-id with wikidata_source naming where it was verified",
                    qid,
                )
            g.iri(entity, str(OWL.sameAs), f"http://www.wikidata.org/entity/{qid}")
    digest = sha256_hex(data)
    fingerprint = registry_fingerprint(digest)
    prov = provenance_triples(minter, graph, fingerprint, [digest], Path(path).name, loaded_at)
    return PreparedUnit(
        path, str(graph), str(minter.provenance_graph(graph)), g, prov, fingerprint, "registry"
    )


def _labels(g: Triples, entity: str, f: Fields, *, english: bool) -> None:
    """``labels: {fa: …}``: one preferred label per language beside ``label`` (English), as
    SKOS has it and the shapes hold (at most one per language)."""
    labels = f.data.get("labels")
    if labels is None:
        return
    where = f"{f.where}.labels"
    if not isinstance(labels, dict):
        expected = "a mapping of language tags to labels, such as {fa: …}"
        raise LoadError(f.path, where, expected, repr(labels))
    for tag, text in labels.items():
        if not isinstance(tag, str) or not is_language_tag(tag):
            expected = "a BCP 47 language tag such as fa"
            raise LoadError(f.path, f"{where}.{tag}", expected, repr(tag))
        if not isinstance(text, str) or not text.strip():
            raise LoadError(f.path, f"{where}.{tag}", "one label, a non-empty string", repr(text))
        if tag == LANG and english:
            expected = "no second English label beside label"
            raise LoadError(f.path, f"{where}.{tag}", expected, repr(text))
        g.text(entity, _PREF, text, tag)


_PREF = str(SKOS.prefLabel)
