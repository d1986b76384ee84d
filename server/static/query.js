// The query page without a CDN: post the form to /sparql and show the answer as a table.
// Every value goes in through textContent, never innerHTML: results are untrusted data.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("query-form");
  const out = document.getElementById("results");
  const status = document.getElementById("status");
  if (!form || !out) return;
  const baseIri = form.dataset.baseIri || "";
  const basePath = form.dataset.basePath || "/";
  // IRIs this archive mints resolve on this server: link to their path here.
  const local = (iri) => (baseIri && iri.startsWith(baseIri) ? basePath + iri.slice(baseIri.length) : null);
  // Only paths here and http(s) URLs become links: an IRI of another scheme (javascript:,
  // data:) is valid RDF but would run or open when clicked, so it is shown as text.
  const linkable = (url) => /^(https?:\/\/|\/(?![\/\\]))[^\s\x00-\x1f\x7f\\]*$/i.test(url);
  const cell = (term) => {
    const td = document.createElement("td");
    if (!term) return td;
    const target = term.type === "uri" ? local(term.value) || term.value : null;
    if (target && linkable(target)) {
      const a = document.createElement("a");
      a.href = target;
      if (!local(term.value)) a.rel = "noopener noreferrer nofollow";
      a.textContent = term.value;
      td.appendChild(a);
    } else {
      td.textContent = term.value;
      if (term["xml:lang"]) td.title = "@" + term["xml:lang"];
    }
    return td;
  };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    out.replaceChildren();
    status.textContent = "running…";
    const started = performance.now();
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          "Accept": "application/sparql-results+json, text/turtle;q=0.9",
        },
        body: new URLSearchParams({ query: form.query.value }),
      });
      const type = response.headers.get("Content-Type") || "";
      const ms = Math.round(performance.now() - started);
      if (!response.ok) {
        const pre = document.createElement("pre");
        pre.textContent = await response.text();
        out.appendChild(pre);
        status.textContent = `error ${response.status} after ${ms} ms`;
        return;
      }
      if (!type.includes("json")) {
        const pre = document.createElement("pre");
        pre.textContent = await response.text();
        out.appendChild(pre);
        status.textContent = `graph answer in ${ms} ms`;
        return;
      }
      const data = await response.json();
      if ("boolean" in data) {
        out.textContent = String(data.boolean);
        status.textContent = `answered in ${ms} ms`;
        return;
      }
      const vars = data.head.vars;
      const table = document.createElement("table");
      const head = table.insertRow();
      for (const v of vars) {
        const th = document.createElement("th");
        th.textContent = v;
        head.appendChild(th);
      }
      for (const binding of data.results.bindings) {
        const row = table.insertRow();
        for (const v of vars) row.appendChild(cell(binding[v]));
      }
      out.appendChild(table);
      status.textContent = `${data.results.bindings.length} rows in ${ms} ms`;
    } catch (error) {
      status.textContent = "failed: " + error;
    }
  });
});
