"""MkDocs hooks that generate the parts of the site that must not be copied by hand.

* Model pages: a marker ``<!-- bonemodel:equations NAME -->`` becomes the equations, states,
  inputs and observables of ``bonemodel.load_model(NAME).describe()`` (sympy's LaTeX of the
  symbolic model itself); ``<!-- bonemodel:parameters FILE -->`` becomes the table of a
  ``parameters/FILE.toml`` file (value, unit, range, source, description);
  ``<!-- bonemodel:comparison EXAMPLE -->`` runs that example's ``reproduce(quick=True)`` and
  prints its comparison table (ours beside the published numbers).
* ``<!-- bonemodel:gallery -->`` lists every example script with its docstring and the still
  images in ``docs/images`` of the figures it writes (images made from ``bonemodel reproduce``
  by ``docs/make_images.py``); an image no example writes fails the build.
* ``<!-- bonemodel:references -->`` renders ``parameters/references.bib``.
* ``<!-- bonemodel:version -->`` is the package version.
* The API reference: one page per public module of the package, found on disk (a new subpackage
  such as ``bonemodel.interop`` appears without editing anything), each rendered by mkdocstrings
  from the docstrings, plus an index of the names ``bonemodel`` exports.

Files are read as data; nothing read here is evaluated.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import tempfile
from pathlib import Path

from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "bonemodel"
DOCS = ROOT / "docs"
MARKER = re.compile(r"<!--\s*bonemodel:(\w+)\s*([\w.*-]*)\s*-->")
# modules that are data, not API (their folders are the parameter files and the example scripts)
SKIP_MODULES = {"bonemodel.__main__"}
OPTIONAL_PAGES = [("SBML and PEtab", "interop.md")]


# ----------------------------------------------------------------------------- API reference
def public_modules() -> list[str]:
    """Dotted names of the package's public modules, found on disk, sorted."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        if any(p.startswith("_") for p in parts) or any("-" in p for p in parts):
            continue
        if not all((ROOT.joinpath(*parts[:i]) / "__init__.py").is_file() for i in range(1, len(parts))):
            continue  # a folder that is not a package
        name = ".".join(parts)
        if name not in SKIP_MODULES:
            names.append(name)
    return sorted(names, key=lambda n: (n.count("."), n) if n == "bonemodel" else (1, n))


def reference_path(module: str) -> str:
    return "reference/" + module.replace(".", "/") + ".md"


def reference_page(module: str) -> str:
    if module == "bonemodel":  # its names are documented where they are defined; see the index
        return "# `bonemodel`\n\n::: bonemodel\n    options:\n      members: false\n      show_root_heading: false\n"
    return f"# `{module}`\n\n::: {module}\n    options:\n      show_root_heading: false\n"


def exports_page() -> str:
    """An index of ``bonemodel.__all__``: name, kind, first docstring line, module page."""
    import bonemodel

    lines = [
        "# API reference",
        "",
        f"bonemodel {bonemodel.__version__}. Every page of this reference is generated from the docstrings "
        "(numpydoc style) by mkdocstrings; a module added to the package appears here on the next build.",
        "",
        "## What `import bonemodel as bm` gives",
        "",
        "| name | kind | summary |",
        "|---|---|---|",
    ]
    modules = set(public_modules())
    for name in bonemodel.__all__:
        obj = getattr(bonemodel, name)
        if isinstance(obj, type(bonemodel)):
            home, kind = obj.__name__, "module"
        else:
            home = getattr(obj, "__module__", "bonemodel")
            kind = "class" if isinstance(obj, type) else "function"
        doc = (obj.__doc__ or "").strip().splitlines()
        summary = _rst_to_markdown(doc[0].strip()) if doc else ""
        target = home if home in modules else "bonemodel"
        link = reference_path(target).removeprefix("reference/")
        anchor = "" if kind == "module" else f"#{home}.{name}" if target == home else ""
        lines.append(f"| [`bm.{name}`]({link}{anchor}) | {kind} | {_cell(summary)} |")
    lines += ["", "## Modules", ""]
    for module in public_modules():
        lines.append(f"- [`{module}`]({reference_path(module).removeprefix('reference/')})")
    return "\n".join(lines) + "\n"


def _rst_to_markdown(text: str) -> str:
    """The docstring rewriting of the Griffe extension beside this file (roles as inline code)."""
    spec = importlib.util.spec_from_file_location("griffe_rst", Path(__file__).with_name("griffe_rst.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.rst_to_markdown(text)


def reference_nav() -> list:
    nav: list = [{"Overview": "reference/index.md"}]
    for module in public_modules():
        nav.append({module: reference_path(module)})
    return nav


# ----------------------------------------------------------------------------- model pages
def _cell(text: object) -> str:
    return str(text).replace("|", r"\|").replace("\n", " ")


def equations(name: str) -> str:
    """The symbolic part of ``describe()``: equations, states, inputs, observables."""
    from bonemodel import load_model

    text = load_model(name).describe()
    body = text.split("\n## Parameters", 1)[0]
    lines = body.splitlines()
    out = []
    for line in lines[1:]:  # the first line is the model's title; the page has its own
        if line == "## Equations":
            continue  # the page's own section heading
        if line.startswith("#"):
            line = "#" + line  # one level below the page's section
        if line.startswith("$$"):
            out += ["", line, ""]  # each equation its own block
        else:
            out.append(line)
    return "\n".join(out).strip() + "\n"


def parameter_table(stem: str) -> str:
    """The table of one parameter file, read by ``bonemodel.load_parameters``."""
    from bonemodel import load_parameters

    params = load_parameters(stem)
    lines = [
        f"From `parameters/{stem}.toml`. Sources are keys of the [references](../references.md).",
        "",
        "| parameter | value | unit | range | source | description |",
        "|---|---|---|---|---|---|",
    ]
    for p in params.params.values():
        span = f"{p.range[0]:.4g} .. {p.range[1]:.4g} ({p.dist})" if p.range else ""
        source = p.source + (f", {p.where}" if p.where else "")
        description = p.description + (f" *{p.note}*" if p.note else "")
        lines.append(
            f"| `{p.name}` | {p.value:.6g} | {_cell(p.unit)} | {span} | {_cell(source)} | {_cell(description)} |"
        )
    return "\n".join(lines) + "\n"


def comparison_table(example: str) -> str:
    """Run an example's ``reproduce(quick=True)`` into a temporary folder; its table as markdown."""
    module = importlib.import_module(f"bonemodel.examples.{example}")
    with tempfile.TemporaryDirectory() as tmp:
        table = module.reproduce(Path(tmp), quick=True)
    lines = [
        f"Computed while this page was built, by `bonemodel.examples.{example}.reproduce` "
        f"(`bonemodel reproduce --only {example}` prints the same table).",
        "",
        "| figure | quantity | ours | published | unit | source |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            "| "
            + " | ".join(
                _cell(_fmt(r[c])) for c in ["figure", "quantity", "ours", "published", "unit", "source"]
            )
            + " |"
        )
    return "\n".join(lines) + "\n"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


# ----------------------------------------------------------------------------- gallery
def example_figures(path: Path) -> list[tuple[str, re.Pattern]]:
    """The HTML figures an example script writes: (display name, pattern of the file's stem).

    Read from the first argument of each ``.write_html(...)`` call in the script's source; a name
    built by an f-string becomes a pattern whose placeholders match any identifier.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args):
            continue
        if node.func.attr != "write_html":
            continue
        parts = list(ast.walk(node.args[0]))
        inside = {id(c) for j in parts if isinstance(j, ast.JoinedStr) for c in ast.walk(j) if c is not j}
        for part in parts:
            if id(part) in inside:
                continue  # a piece of an f-string, handled with its f-string
            if (
                isinstance(part, ast.Constant)
                and isinstance(part.value, str)
                and part.value.endswith(".html")
            ):
                stem = part.value[: -len(".html")]
                found[stem] = re.compile(re.escape(stem))
            elif isinstance(part, ast.JoinedStr):
                shown, pattern = "", ""
                for piece in part.values:
                    if isinstance(piece, ast.Constant):
                        shown += str(piece.value)
                        pattern += re.escape(str(piece.value))
                    else:
                        shown += "*"
                        pattern += r"\w+"
                if shown.endswith(".html"):
                    found[shown[: -len(".html")]] = re.compile(pattern[: -len(re.escape(".html"))])
    return sorted(found.items())


def gallery_entries() -> list[tuple[str, str, list[str], list[str]]]:
    """(example, docstring, figures it writes, still images of them) for every example script."""
    from bonemodel.cli import example_names

    examples_dir = ROOT / "examples"
    images = sorted(p.stem for p in (DOCS / "images").glob("*.png"))
    entries, claimed = [], set()
    for name in example_names():
        path = examples_dir / f"{name}.py"
        figures = example_figures(path)
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        stills = [i for i in images if any(p.fullmatch(i) for _, p in figures)]
        covered = [shown for shown, p in figures if not any(p.fullmatch(i) for i in stills)]
        claimed.update(stills)
        entries.append((name, doc, covered, stills))
    orphans = sorted(set(images) - claimed)
    if orphans:
        raise RuntimeError(
            f"docs/images has images no example writes: {orphans}; remake them with python docs/make_images.py"
        )
    return entries


def gallery() -> str:
    lines = []
    for name, doc, figures, stills in gallery_entries():
        summary, _, rest = doc.partition("\n")
        lines += [
            f"## {summary.rstrip('.')}",
            "",
            f"`examples/{name}.py` · `bonemodel reproduce --only {name}`",
            "",
        ]
        if rest.strip():
            lines += [_indent_free(rest.strip()), ""]
        for stem in stills:
            lines += [f"![{stem}](images/{stem}.png)", "", f"*`{stem}.html`*", ""]
        only_html = figures
        if only_html:
            lines += [
                "Interactive only (written by `bonemodel reproduce`): "
                + ", ".join(f"`{f}.html`" for f in only_html),
                "",
            ]
    return "\n".join(lines)


def _indent_free(text: str) -> str:
    """Docstring prose as markdown: code blocks after ``::`` fenced, roles and double backticks made plain.

    A line that opens an item, ``(a) ...`` or ``* ...``, starts a new paragraph.
    """
    text = re.sub(r":(?:func|class|mod|meth|attr|data):`~?([^`]+)`", r"`\1`", text).replace("``", "`")
    out, code = [], False
    for line in text.splitlines():
        if code and line.strip() and not line.startswith("    "):
            out += ["```", ""]
            code = False
        if code:
            out.append(line[4:])
            continue
        if line.rstrip().endswith("::"):
            out += [line.rstrip()[:-1], "", "```bash"]
            code = True
            continue
        if re.match(r"\s*(\(\w+\)|\* )", line):
            out.append("")
        out.append(line.strip())
    if code:
        out.append("```")
    return "\n".join(out)


# ----------------------------------------------------------------------------- references
def _bib_entries(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """(type, key, fields) of each BibTeX entry; braces matched, nothing evaluated."""
    entries = []
    for match in re.finditer(r"@(\w+)\s*\{\s*([^,\s]+)\s*,", text):
        i, depth, start = match.end(), 1, match.end()
        while i < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        body = text[start : i - 1]
        fields, j = {}, 0
        for field in re.finditer(r"(\w+)\s*=\s*", body):
            if field.start() < j:
                continue
            k = field.end()
            if k < len(body) and body[k] == "{":
                depth, m = 1, k + 1
                while m < len(body) and depth:
                    depth += {"{": 1, "}": -1}.get(body[m], 0)
                    m += 1
                value, j = body[k + 1 : m - 1], m
            else:
                end = body.find(",", k)
                end = len(body) if end < 0 else end
                value, j = body[k:end].strip(), end
            fields[field.group(1).lower()] = " ".join(value.replace("{", "").replace("}", "").split())
        entries.append((match.group(1).lower(), match.group(2), fields))
    return entries


def references() -> str:
    text = (ROOT / "parameters" / "references.bib").read_text(encoding="utf-8")
    lines = []
    for _, key, f in sorted(_bib_entries(text), key=lambda e: e[1].lower()):
        where = f.get("journal") or f.get("howpublished") or f.get("publisher") or f.get("booktitle") or ""
        parts = [f.get("author", ""), f"({f['year']})" if "year" in f else "", f.get("title", "")]
        line = f"- **{key}**: " + " ".join(p for p in parts if p)
        if where:
            line += f". *{where}*"
        if f.get("volume"):
            line += f" {f['volume']}"
        if f.get("pages"):
            line += f":{f['pages'].replace('--', '–')}"
        if f.get("doi"):
            line += f". [doi:{f['doi']}](https://doi.org/{f['doi']})"
        elif f.get("url"):
            line += f". <{f['url']}>"
        if f.get("note"):
            line += f" ({f['note']})"
        lines.append(_cell(line).replace(r"\|", "|"))
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- hooks
def _expand(kind: str, arg: str) -> str:
    if kind == "equations":
        return equations(arg)
    if kind == "parameters":
        if "*" not in arg:
            return parameter_table(arg)
        stems = sorted(p.stem for p in (ROOT / "parameters").glob(f"{arg}.toml"))
        if not stems:
            raise ValueError(f"docs marker 'bonemodel:parameters {arg}' matches no parameter file")
        return "\n".join(f"### {stem}\n\n" + parameter_table(stem) for stem in stems)
    if kind == "comparison":
        return comparison_table(arg)
    if kind == "gallery":
        return gallery()
    if kind == "references":
        return references()
    if kind == "version":
        import bonemodel

        return bonemodel.__version__
    raise ValueError(
        f"unknown docs marker 'bonemodel:{kind}'; known: equations, parameters, comparison, gallery, references, version"
    )


def on_config(config):
    nav = config["nav"]
    howto = next(entry["How-to"] for entry in nav if isinstance(entry, dict) and "How-to" in entry)
    for title, page in OPTIONAL_PAGES:
        if (Path(config["docs_dir"]) / page).is_file():  # written separately; in the nav once it exists
            howto.append({title: page})
    nav.insert(-1, {"API reference": reference_nav()})
    return config


def on_files(files, config):
    files.append(File.generated(config, "reference/index.md", content=exports_page()))
    for module in public_modules():
        files.append(File.generated(config, reference_path(module), content=reference_page(module)))
    return files


def on_page_markdown(markdown, page, config, files):
    return MARKER.sub(lambda m: _expand(m.group(1), m.group(2)), markdown)
