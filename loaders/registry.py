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
    description: ...
    wikidata: Q...          # only when verified; then also wikidata_source: <url>
```
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from dadkhah import __version__
from dadkhah.errors import LoadError
from dadkhah.iris import Minter, is_valid_id
from dadkhah.namespaces import DK, SCHEMA, bind_prefixes
from dadkhah.units import LoadUnit

from .inputs import read_mapping, sha256_hex
from .text import provenance_graph
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
    value = fields.str("id", required=True)
    assert value is not None
    if not is_valid_id(value):
        raise LoadError(fields.path, f"{fields.where}.id", "a slug of A-Z a-z 0-9 . _ -", value)
    if value in seen:
        raise LoadError(fields.path, f"{fields.where}.id", "an id used once", f"{value} again")
    seen.add(value)
    return value


def load_registry(data: bytes, *, path: str, minter: Minter, loaded_at: datetime) -> LoadUnit:
    doc = read_mapping(data, path)
    top = Fields(doc, path, "registry", {"measures", "entities"})
    g = bind_prefixes(Graph())
    scheme = minter.measure_scheme()
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, SKOS.prefLabel, Literal("measures", lang=LANG)))
    seen: set[str] = set()
    for i, raw in enumerate(top.items("measures")):
        f = Fields(raw, path, f"measures[{i}]", MEASURE_KEYS)
        measure = minter.measure(_id(f, seen))
        g.add((measure, RDF.type, SKOS.Concept))
        g.add((measure, SKOS.inScheme, scheme))
        g.add((measure, SKOS.prefLabel, Literal(f.str("label", required=True), lang=LANG)))
        if f.str("description"):
            g.add((measure, SKOS.definition, Literal(f.str("description"), lang=LANG)))
        if f.str("unit"):
            g.add((measure, SCHEMA.unitText, Literal(f.str("unit"))))
    entities = top.items("entities")
    if not entities:
        raise LoadError(path, "registry.entities", "at least one entity")
    for i, raw in enumerate(entities):
        f = Fields(raw, path, f"entities[{i}]", ENTITY_KEYS)
        entity = minter.entity(_id(f, seen))
        kind = f.str("type")
        if kind is not None:  # a missing type is left to the shapes to report
            if kind not in ENTITY_TYPES:
                expected = "one of " + ", ".join(sorted(ENTITY_TYPES))
                raise LoadError(path, f"entities[{i}].type", expected, kind)
            g.add((entity, RDF.type, DK[kind]))
        label = f.str("label")
        if label:
            g.add((entity, SKOS.prefLabel, Literal(label, lang=LANG)))
            g.add((entity, RDFS.label, Literal(label, lang=LANG)))
        for alias in f.strings("aliases"):
            g.add((entity, SKOS.altLabel, Literal(alias, lang=LANG)))
        for spelling in f.strings("transliterations"):
            g.add((entity, DK.transliteration, Literal(spelling, lang=LANG)))
        for slur in f.strings("pejoratives"):
            g.add((entity, DK.pejorativeLabel, Literal(slur, lang=LANG)))
        if f.str("description"):
            g.add((entity, SCHEMA.description, Literal(f.str("description"), lang=LANG)))
        qid = f.str("wikidata")
        if qid:
            if not _QID.match(qid) or not f.str("wikidata_source"):
                raise LoadError(
                    path,
                    f"entities[{i}].wikidata",
                    "a Q-id with wikidata_source naming where it was verified",
                    qid,
                )
            g.add((entity, OWL.sameAs, URIRef(f"http://www.wikidata.org/entity/{qid}")))
    digest = sha256_hex(data)
    fingerprint = sha256_hex(f"{digest} {__version__}".encode())
    graph = minter.registry_graph(Path(path).stem)
    prov = provenance_graph(minter, graph, fingerprint, [digest], Path(path).name, loaded_at)
    return LoadUnit(path, graph, minter.provenance_graph(graph), g, prov, fingerprint, "registry")
