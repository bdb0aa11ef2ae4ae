"""Helpers shared by ``compilecatalogs`` and ``check_translations`` (not a command: the name starts with _).

Compiling uses polib (pure Python) rather than GNU gettext's msgfmt so that setting up a desk needs no
system package; only *extracting* strings (makemessages) needs gettext, and that is a developer's task.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import polib
from django.apps import apps
from django.conf import settings

DOMAINS = ("django", "djangojs")
# printf-style placeholders as Python's % operator reads them: %(name)s, %s, %d, %.2f … (not %%)
_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
_BRACE = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")


def project_locale_dirs() -> list[Path]:
    """Ventanilla's own locale folders: LOCALE_PATHS and every project app's ``locale/``, never Django's."""
    package = Path(settings.PACKAGE_DIR).resolve()
    found: list[Path] = []
    for candidate in [Path(p) for p in settings.LOCALE_PATHS] + [
        Path(config.path) / "locale" for config in apps.get_app_configs()
    ]:
        resolved = candidate.resolve()
        if resolved.is_dir() and resolved.is_relative_to(package) and resolved not in found:
            found.append(resolved)
    return found


@dataclass(frozen=True)
class Catalog:
    language: str
    domain: str
    po_path: Path

    @property
    def mo_path(self) -> Path:
        return self.po_path.with_suffix(".mo")


def catalogs(language: str | None = None) -> Iterator[Catalog]:
    for locale_dir in project_locale_dirs():
        for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
            lang = po_path.parent.parent.name
            if po_path.stem in DOMAINS and (language is None or lang == language):
                yield Catalog(language=lang, domain=po_path.stem, po_path=po_path)


def compile_catalog(catalog: Catalog) -> bool:
    """Write the .mo for ``catalog`` when its content changed; True when a file was written.

    Fuzzy and untranslated entries are left out, exactly as msgfmt does, so they fall back to English.
    """
    binary = polib.pofile(str(catalog.po_path)).to_binary()
    if catalog.mo_path.exists() and catalog.mo_path.read_bytes() == binary:
        return False
    tmp = catalog.mo_path.with_suffix(".mo.tmp")
    tmp.write_bytes(binary)
    tmp.replace(catalog.mo_path)  # atomic: a running server never reads half a file
    return True


def entry_key(entry: polib.POEntry) -> tuple[str, str]:
    return (entry.msgctxt or "", entry.msgid)


def entry_label(entry: polib.POEntry) -> str:
    text = entry.msgid if len(entry.msgid) <= 70 else entry.msgid[:67] + "..."
    where = f" ({entry.occurrences[0][0]}:{entry.occurrences[0][1]})" if entry.occurrences else ""
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    return f"{context}{text!r}{where}"


def _placeholders(text: str, brace: bool) -> list[str]:
    found = sorted(_PLACEHOLDER.findall(text.replace("%%", "")))
    if brace:
        found += sorted(_BRACE.findall(text))
    return found


def entry_problems(entry: polib.POEntry) -> list[str]:
    """Why this entry is not a usable translation (empty list when it is)."""
    if entry.obsolete or not entry.msgid:
        return []
    problems: list[str] = []
    if "fuzzy" in entry.flags:
        problems.append("fuzzy")
    if entry.msgid_plural:
        strings = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    else:
        strings = [entry.msgstr]
    if not strings or any(not text.strip() for text in strings):
        problems.append("untranslated")
        return problems
    brace = "python-brace-format" in entry.flags
    if "python-format" in entry.flags or brace:
        if entry.msgid_plural:
            # A plural form may leave out the count ("una hora"), but must not invent a placeholder.
            allowed = set(_placeholders(entry.msgid, brace)) | set(_placeholders(entry.msgid_plural, brace))
            wrong = [p for text in strings for p in _placeholders(text, brace) if p not in allowed]
            if wrong:
                problems.append(f"unknown placeholders {sorted(set(wrong))}")
        else:
            expected, got = _placeholders(entry.msgid, brace), _placeholders(entry.msgstr, brace)
            if expected != got:
                problems.append(f"placeholders differ: {expected} → {got}")
    return problems
