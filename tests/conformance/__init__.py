"""W3C SPARQL 1.1 conformance harness: drives any SPARQL server over real HTTP."""
