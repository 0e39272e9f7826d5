"""A Griffe extension: the reStructuredText left in numpydoc docstrings, as Markdown.

The docstrings follow numpydoc, whose prose is reStructuredText: roles such as
``:func:`simulate``` , double backquotes for code, and literal blocks introduced by ``::``.
mkdocstrings renders docstrings as Markdown, so before they are parsed each is rewritten:
a role becomes inline code (``~a.b`` shows ``b``), double backquotes single ones, and a
``::`` block a fenced code block. The docstrings themselves stay as they are.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(
    r":(?:py:)?(?:func|class|mod|meth|attr|data|exc|obj|const):`(~?)([^`<]+?)(?:\s*<([^>]+)>)?`"
)
SHELL = ("bonemodel ", "python ", "pip ", "$ ")


def _role(match: re.Match) -> str:
    tilde, text, target = match.groups()
    name = (target or text).strip()
    if tilde:
        name = name.split(".")[-1]
    return f"`{(text.strip() if target else name)}`"


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def rst_to_markdown(text: str) -> str:
    """Roles, double backquotes and ``::`` literal blocks of a docstring, as Markdown."""
    text = ROLE.sub(_role, text).replace("``", "`")
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.rstrip().endswith("::"):
            out.append(line)
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not lines[j].strip():
            j += 1
        if j == len(lines) or _indent(lines[j]) <= _indent(line):
            out.append(line.rstrip()[:-1])  # "::" with no block after it is a colon
            i += 1
            continue
        lead = line.rstrip()[:-2].rstrip()
        if lead.strip():
            out += [lead + ":", ""]
        base, inner = " " * _indent(line), _indent(lines[j])
        block: list[str] = []
        k = j
        while k < len(lines) and (not lines[k].strip() or _indent(lines[k]) >= inner):
            block.append(lines[k][inner:])
            k += 1
        while block and not block[-1].strip():
            block.pop()
        language = "bash" if block[0].lstrip().startswith(SHELL) else "python"
        out += [f"{base}```{language}"] + [f"{base}{b}" if b else "" for b in block] + [f"{base}```", ""]
        i = k
    return "\n".join(out)


class RstToMarkdown(griffe.Extension):
    """Rewrite every docstring with :func:`rst_to_markdown` before it is parsed."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = rst_to_markdown(obj.docstring.value)
