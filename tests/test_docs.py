"""The documentation site, and the release files that must agree with pyproject.toml.

The site build runs MkDocs with ``--strict`` into a temporary folder: a broken link, a missing
page, a docstring that names a parameter the signature lacks, a model page whose generator fails,
or an image in the gallery that no example writes, each fails the build.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import bonemodel

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
mkdocs_missing = (
    importlib.util.find_spec("mkdocs") is None or importlib.util.find_spec("mkdocstrings") is None
)


def _hooks():
    spec = importlib.util.spec_from_file_location(
        "bonemodel_docs", ROOT / "docs" / "_hooks" / "bonemodel_docs.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ----------------------------------------------------------------------------- the site
@pytest.fixture(scope="module")
def site(tmp_path_factory) -> tuple[Path, str]:
    if mkdocs_missing:
        pytest.skip("mkdocs and mkdocstrings are in the docs and test extras")
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log[-4000:]
    return out, log


def test_site_builds_strict_without_warnings(site):
    out, log = site
    assert "WARNING" not in log, log
    assert (out / "index.html").is_file()


def test_api_reference_has_a_generated_page_per_public_module(site):
    out, _ = site
    hooks = _hooks()
    modules = hooks.public_modules()
    for expected in [
        "bonemodel",
        "bonemodel.simulate",
        "bonemodel.sweep",
        "bonemodel.sensitivity",
        "bonemodel.scenarios",
    ]:
        assert expected in modules
    if (ROOT / "bonemodel" / "interop" / "__init__.py").is_file():
        assert "bonemodel.interop" in modules
    for module in modules:
        page = out / hooks.reference_path(module).removesuffix(".md") / "index.html"
        assert page.is_file(), module
    # rendered by mkdocstrings from the docstring, not a stub
    html = (out / "reference/bonemodel/simulate/index.html").read_text(encoding="utf-8")
    assert 'id="bonemodel.simulate.simulate"' in html
    assert "doc doc-contents" in html


def test_api_reference_shows_no_restructuredtext_markup(site):
    out, _ = site
    for page in (out / "reference").rglob("index.html"):
        html = page.read_text(encoding="utf-8")
        for markup in (":func:", ":class:", ":mod:", ":meth:", "``"):
            assert markup not in html, (page, markup)


def test_restructuredtext_roles_and_literal_blocks_become_markdown():
    spec = importlib.util.spec_from_file_location("griffe_rst", ROOT / "docs" / "_hooks" / "griffe_rst.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    text = "Uses :func:`~bonemodel.simulate.simulate` and ``t``; run it::\n\n    bonemodel list\n    x = 1\n\nAfter."
    assert module.rst_to_markdown(text) == (
        "Uses `simulate` and `t`; run it:\n\n```bash\nbonemodel list\nx = 1\n```\n\nAfter."
    )
    assert module.rst_to_markdown("See :class:`bonemodel.Scenario`.") == "See `bonemodel.Scenario`."


def test_every_export_is_listed_in_the_reference_index(site):
    out, _ = site
    html = (out / "reference/index.html").read_text(encoding="utf-8")
    for name in bonemodel.__all__:
        assert f"bm.{name}<" in html, name


def test_model_pages_render_the_equations_of_the_model_itself(site):
    out, _ = site
    modules = sorted(p.stem for p in (ROOT / "parameters").glob("inflammation_*.toml"))
    for name, page, files in [
        ("komarova2003", "models/komarova2003", ["komarova2003"]),
        ("lemaire2004", "models/lemaire2004", ["lemaire2004"]),
        ("pivonka2008", "models/pivonka2008", ["pivonka2008"]),
        ("inflammation", "models/inflammation-equations", modules),
    ]:
        html = (out / page / "index.html").read_text(encoding="utf-8")
        model = bonemodel.load_model(name)
        equations = html.count('<div class="arithmatex">')
        assert equations == len(model.states) + len(model.expressions), name
        for stem in files:  # the parameter tables, read from the files, with units
            for p in bonemodel.load_parameters(stem).params.values():
                assert f"<td><code>{p.name}</code></td>" in html, (name, p.name)


def test_classic_model_pages_show_the_comparison_computed_during_the_build(site):
    out, _ = site
    html = (out / "models/lemaire2004/index.html").read_text(encoding="utf-8")
    assert "R at steady state" in html
    assert "Computed while this page was built" in html


def test_gallery_shows_every_still_image(site):
    out, _ = site
    html = (out / "gallery/index.html").read_text(encoding="utf-8")
    images = sorted((ROOT / "docs" / "images").glob("*.png"))
    assert images
    for image in images:
        assert f"images/{image.name}" in html, image.name


def test_interop_page_is_in_the_site_when_it_exists(site):
    out, _ = site
    assert (out / "interop" / "index.html").is_file() == (ROOT / "docs" / "interop.md").is_file()


def test_gallery_refuses_an_image_no_example_writes(tmp_path, monkeypatch):
    hooks = _hooks()
    (tmp_path / "images").mkdir()
    for image in (ROOT / "docs" / "images").glob("*.png"):
        (tmp_path / "images" / image.name).write_bytes(b"")
    assert hooks.gallery_entries()  # the shipped images are all claimed
    monkeypatch.setattr(hooks, "DOCS", tmp_path)
    hooks.gallery_entries()
    (tmp_path / "images" / "pasted_figure.png").write_bytes(b"")
    with pytest.raises(RuntimeError, match="pasted_figure"):
        hooks.gallery_entries()


def test_gallery_reads_figure_names_from_write_html_calls(tmp_path):
    hooks = _hooks()
    script = tmp_path / "example.py"
    script.write_text(
        'def reproduce(out, name="x"):\n'
        '    """Writes ``decoy.html``."""\n'
        '    fig.write_html(out / "plain_figure.html")\n'
        '    fig.write_html(out / f"study_{name}_sobol.html")\n'
    )
    found = dict(hooks.example_figures(script))
    assert sorted(found) == ["plain_figure", "study_*_sobol"]
    assert found["study_*_sobol"].fullmatch("study_ra_sobol")
    assert not found["study_*_sobol"].fullmatch("study_ra_morris")


def test_bib_parser_reads_nested_braces_without_evaluating():
    hooks = _hooks()
    entries = hooks._bib_entries(
        "@article{Key2000,\n  author = {Doe, J. and Roe, R.},\n  title = {The {RANKL}/{OPG} axis},\n  year = 2000,\n}\n"
    )
    assert entries == [
        (
            "article",
            "Key2000",
            {"author": "Doe, J. and Roe, R.", "title": "The RANKL/OPG axis", "year": "2000"},
        )
    ]


def test_every_reference_key_used_by_a_parameter_file_is_in_the_bibliography():
    hooks = _hooks()
    keys = {
        key
        for _, key, _ in hooks._bib_entries(
            (ROOT / "parameters" / "references.bib").read_text(encoding="utf-8")
        )
    }
    text = hooks.references()
    for key in keys:
        assert f"**{key}**" in text


# ----------------------------------------------------------------------------- README
def _section(text: str, title: str) -> str:
    match = re.search(rf"(?ms)^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text)
    assert match, title
    return match.group(1).strip()


def test_getting_started_carries_the_readme_two_commands_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    page = (ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8")
    two = _section(readme, "Two commands")
    assert 'python -m pip install -e ".[sensitivity]" && bonemodel reproduce --out figures' in two
    assert 'python -m pip install -e ".[test]" && python -m pytest' in two
    assert "`.ci/run` runs exactly the second command" in two
    assert _section(page, "Two commands") == two


def test_readme_links_point_to_existing_files():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", readme)
    assert links
    for link in links:
        if "://" not in link:
            assert (ROOT / link).exists(), link


def test_docs_make_no_links_outside_the_site():
    for page in (ROOT / "docs").rglob("*.md"):
        text = page.read_text(encoding="utf-8")
        assert "](../README.md" not in text and "](docs/" not in text, page


# ----------------------------------------------------------------------------- release files
def test_version_licence_and_name_agree_across_release_files():
    version = PYPROJECT["version"]
    assert bonemodel.__version__ == version
    assert PYPROJECT["name"] == "bonemodel"
    assert PYPROJECT["license"]["text"] == "MIT"
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith("MIT License\n")
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["version"] == version
    assert cff["license"] == "MIT"
    assert cff["title"] == PYPROJECT["name"]
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    released = re.findall(r"(?m)^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d{2}-\d{2}$", changelog)
    assert released and released[0] == version


def test_licence_check_covers_every_dependency():
    """Each dependency of pyproject.toml, extras included, has a row in the licence check."""
    page = (ROOT / "docs" / "about" / "licence.md").read_text(encoding="utf-8").lower()
    checked = " ".join(line.split("|")[1] for line in page.splitlines() if line.startswith("| "))
    requirements = list(PYPROJECT["dependencies"])
    for extra in PYPROJECT["optional-dependencies"].values():
        requirements += extra
    names = {re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0].lower() for r in requirements}
    names.discard("bonemodel")
    assert len(names) > 15
    for name in sorted(names):
        assert name in checked, f"{name} is a dependency but not in docs/about/licence.md"


def test_citation_file_is_valid_cff_1_2():
    yaml = pytest.importorskip("yaml")
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    for key in ["message", "title", "authors"]:  # required by the CFF 1.2 schema
        assert isinstance(cff[key], (str, list)) and cff[key], key
    assert cff["type"] in {"software", "dataset"}
    for author in cff["authors"]:
        assert "name" in author or "family-names" in author, author
    assert {"name": "The bonemodel developers"} in cff["authors"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(cff["date-released"]))


def test_changelog_follows_keep_a_changelog():
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert changelog.startswith("# Changelog\n")
    assert "## [Unreleased]" in changelog
    versions = re.findall(r"(?m)^## \[(\d+)\.(\d+)\.(\d+)\] - (\d{4}-\d{2}-\d{2})$", changelog)
    numbers = [tuple(int(x) for x in v[:3]) for v in versions]
    assert numbers == sorted(numbers, reverse=True) and len(set(numbers)) == len(numbers)
    dates = [v[3] for v in versions]
    assert dates == sorted(dates, reverse=True)
    allowed = {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    assert set(re.findall(r"(?m)^### (\w+)$", changelog)) <= allowed


# ----------------------------------------------------------------------------- docstrings
def _section_names(doc: str, title: str) -> set[str] | None:
    """Names listed in a numpydoc section (``a, b`` lines and ``*args``/``**kwargs`` included)."""
    match = re.search(rf"(?ms)^{title}\n-{{3,}}\n(.*?)(?=^\S[^\n]*\n-{{3,}}\n|\Z)", doc)
    if match is None:
        return None
    names = set()
    for line in match.group(1).splitlines():
        if line and not line.startswith(" "):
            names.update(n.strip().lstrip("*") for n in line.split(":")[0].split(","))
    return names


def _docstring_problems(label: str, obj, *, is_class: bool = False) -> list[str]:
    import inspect

    doc = inspect.getdoc(obj) or ""
    if not doc.strip():
        return [f"{label}: no docstring"]
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    wanted = [p for p in signature.parameters if p not in ("self", "cls") and not p.startswith("_")]
    problems = []
    if wanted:
        listed = _section_names(doc, "Parameters")
        if listed is None:
            problems.append(f"{label}: no Parameters section")
        elif set(wanted) - listed:
            problems.append(f"{label}: parameters not documented {sorted(set(wanted) - listed)}")
    returns = signature.return_annotation
    if not is_class and returns not in (None, "None", inspect.Signature.empty):
        if _section_names(doc, "Returns") is None and _section_names(doc, "Yields") is None:
            problems.append(f"{label}: no Returns section")
    return problems


def _public_api():
    """What ``import bonemodel as bm`` gives, the scenario functions and the sensitivity verbs."""
    import inspect

    items = [(f"bm.{n}", getattr(bonemodel, n)) for n in bonemodel.__all__]
    for module in (bonemodel.scenarios, bonemodel.sensitivity):
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                items.append((f"{module.__name__}.{name}", obj))
    return [(label, obj) for label, obj in items if not inspect.ismodule(obj)]


def _class_problems(label: str, cls) -> list[str]:
    import inspect

    if issubclass(cls, BaseException) and "__init__" not in vars(cls):
        return [] if (cls.__doc__ or "").strip() else [f"{label}: no docstring"]
    problems = _docstring_problems(label, cls, is_class=True)
    for name, member in vars(cls).items():
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            if not (member.fget.__doc__ or "").strip():
                problems.append(f"{label}.{name}: no docstring")
            continue
        function = getattr(member, "__func__", member)
        if inspect.isfunction(function):
            problems += _docstring_problems(f"{label}.{name}", function)
    return problems


def test_public_api_has_numpydoc_docstrings():
    problems = []
    for label, obj in _public_api():
        if isinstance(obj, type):
            problems += _class_problems(label, obj)
        else:
            problems += _docstring_problems(label, obj)
    assert not problems, "\n".join(problems)


def test_public_module_functions_and_classes_have_numpydoc_docstrings():
    import importlib
    import inspect

    problems = []
    for name in _hooks().public_modules():
        try:
            module = importlib.import_module(name)
        except ImportError as exc:  # an optional dependency (libsbml, petab) is not installed
            if exc.name and exc.name.split(".")[0] == "bonemodel":
                raise
            continue
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        for attr in names:
            obj = getattr(module, attr, None)
            if getattr(obj, "__module__", None) != name:
                continue
            if inspect.isfunction(obj):
                problems += _docstring_problems(f"{name}.{attr}", obj)
            elif isinstance(obj, type):
                problems += _class_problems(f"{name}.{attr}", obj)
    assert not problems, "\n".join(problems)


def test_docstring_check_catches_a_missing_parameter():
    def documented(a: int, b: int) -> int:
        """Add.

        Parameters
        ----------
        a
            First [day].

        Returns
        -------
        int
            The sum [day].
        """
        return a + b

    assert _docstring_problems("documented", documented) == ["documented: parameters not documented ['b']"]
