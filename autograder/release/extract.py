"""Keep the message catalogs in step with the code (a maintainer's tool; needs Babel).

    python -m autograder.release.extract [ID...]          # write .pot, update .po, compile .mo
    python -m autograder.release.extract --check [ID...]  # exit 1 if anything is out of date

(ID...: only those assignments' catalogs; `package` names the package's.)

Every message of the code is found where it is written: `msg("id", "English
text", ...)` calls and the sandbox's `message_id="id"` errors, the checks'
titles (the first docstring line of each `test_*` function), the known
mistakes (their names as titles, their advice) and the failure kinds. They
go to the catalog of their place (see `autograder.feedback.catalogs`): the
package's, an assignment's public one, or its private one (hidden checks, and
the mistakes the public checks never name). Each catalog gets its template
(`.pot`), every language's `.po` is updated from it (new messages untranslated,
vanished ones dropped, translations kept) and compiled to `.mo`.
"""

from __future__ import annotations

import ast
import io
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from autograder import paths
from autograder.feedback.catalogs import (
    CHECKS_DOMAIN,
    PACKAGE_DOMAIN,
    PACKAGE_LOCALE,
    languages,
    locale_dir,
)

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

# (message id, English text), or (id, (singular, plural)) for a message with plural forms
Entry = tuple[str, str | tuple[str, str]]
# The catalogs' header dates: fixed, so that a file changes only when its messages do.
STAMP = datetime(2026, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class Place:
    """One catalog: where its files live and which messages it holds."""

    folder: Path  # the locale folder
    domain: str
    entries: tuple[Entry, ...]

    @property
    def template(self) -> Path:
        return self.folder / f"{self.domain}.pot"

    def po(self, lang: str) -> Path:
        return self.folder / lang / "LC_MESSAGES" / f"{self.domain}.po"

    def mo(self, lang: str) -> Path:
        return self.folder / lang / "LC_MESSAGES" / f"{self.domain}.mo"


# ---------------------------------------------------------------------------
# Finding the messages
# ---------------------------------------------------------------------------
def _string(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def messages_in(path: Path) -> Iterator[Entry]:
    """`msg(id, text, ...)` calls and `...Error(text, message_id=id)` errors in one file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", getattr(node.func, "attr", ""))
        if name == "msg" and len(node.args) >= 2:
            ident, text = _string(node.args[0]), _string(node.args[1])
            plural = next((_string(k.value) for k in node.keywords if k.arg == "plural"), None)
            if ident and text is not None:
                yield ident, (text, plural) if plural else text
        keyword = next((k for k in node.keywords if k.arg == "message_id"), None)
        if keyword is not None and node.args:
            ident, text = _string(keyword.value), _string(node.args[0])
            if ident and text is not None:
                yield ident, text


def check_titles(path: Path) -> Iterator[Entry]:
    """`check.FILE.FUNCTION`: the first docstring line of each check function of a test file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            doc = (ast.get_docstring(node) or "").strip().splitlines()
            yield f"check.{path.stem}.{node.name}", doc[0].strip() if doc else node.name


def mistake_entries(mistake: object) -> list[Entry]:
    name = str(mistake.name)
    return [(f"mistake.{name}.title", name), (f"mistake.{name}", str(mistake.message))]


def _unique(entries: list[Entry]) -> tuple[Entry, ...]:
    seen: dict[Entry, None] = {}
    for entry in entries:
        seen.setdefault(entry, None)
    return tuple(seen)


def package_place() -> Place:
    from autograder.results import FAILURE_KINDS

    entries: list[Entry] = []
    for path in sorted(paths.PACKAGE_DIR.rglob("*.py")):
        if paths.CHECKS_DIR in path.parents:
            continue
        entries.extend(messages_in(path))
    entries.extend((f"kind.{kind}", label) for kind, label in FAILURE_KINDS.items())
    return Place(PACKAGE_LOCALE, PACKAGE_DOMAIN, _unique(entries))


def assignment_places(assignment: str) -> tuple[Place, Place]:
    """(public, private) catalogs of one assignment's checks."""
    import importlib

    from autograder.engine.catalog import collect

    public: list[Entry] = []
    private: list[Entry] = []
    for path in sorted(paths.checks_dir(assignment).glob("*.py")):
        public.extend(messages_in(path))
        if path.name.startswith("test_"):
            public.extend(check_titles(path))
    for path in sorted(paths.private_dir(assignment).glob("*.py")):
        private.extend(messages_in(path))
        if path.name.startswith("test_"):
            private.extend(check_titles(path))
    public_tasks = {c.task for c in collect([assignment]) if not c.hidden}
    try:
        module = importlib.import_module(f"autograder.checks.{assignment}.private.mistakes")
        mistakes = list(getattr(module, "MISTAKES", []))
    except ModuleNotFoundError:
        mistakes = []
    for mistake in mistakes:
        shipped = getattr(mistake, "public", True) and getattr(mistake, "task", "") in public_tasks
        (public if shipped else private).extend(mistake_entries(mistake))
    shipped_ids = {ident for ident, _ in public}
    private = [entry for entry in private if entry[0] not in shipped_ids]
    return (
        Place(locale_dir(assignment), CHECKS_DOMAIN, _unique(public)),
        Place(locale_dir(assignment, private=True), CHECKS_DOMAIN, _unique(private)),
    )


def all_places(only: list[str] | None = None) -> list[Place]:
    """Every catalog: the package's, then each assignment's; with `only`, just those named
    (`package` names the package's)."""
    places = [package_place()] if not only or "package" in only else []
    for folder in sorted(paths.CHECKS_DIR.iterdir()):
        if folder.is_dir() and (folder / "__init__.py").is_file():
            if not only or folder.name in only:
                places.extend(assignment_places(folder.name))
    return places


# ---------------------------------------------------------------------------
# Writing the catalogs
# ---------------------------------------------------------------------------
def template_catalog(place: Place) -> Catalog:
    from babel.messages.catalog import Catalog

    catalog = Catalog(
        project="dlcourse",
        domain=place.domain,
        fuzzy=False,
        creation_date=STAMP,
        revision_date=STAMP,
    )
    for ident, text in place.entries:
        catalog.add(text, context=ident)
    return catalog


def _po_bytes(catalog: Catalog) -> bytes:
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalog, omit_header=False, sort_output=False, width=100,
             include_lineno=False, ignore_obsolete=True)  # fmt: skip
    text = out.getvalue()
    # POT-Creation-Date changes on every run: keep the files stable between runs
    return text


def _mo_bytes(catalog: Catalog) -> bytes:
    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def read_po(path: Path, lang: str) -> Catalog:
    from babel.messages.pofile import read_po as babel_read_po

    with path.open("rb") as handle:
        return babel_read_po(handle, locale=lang)


def updated(place: Place, lang: str) -> Catalog:
    """The `.po` of `lang` for `place`, brought in step with its messages."""
    from babel.messages.catalog import Catalog

    template = template_catalog(place)
    path = place.po(lang)
    catalog = read_po(path, lang) if path.is_file() else Catalog(locale=lang, domain=place.domain)
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.fuzzy = False  # the header: a catalog is used as it is
    catalog.creation_date = catalog.revision_date = STAMP  # files change only with their messages
    return catalog


def planned_files(place: Place) -> dict[Path, bytes]:
    """Every file of one catalog as it should be: template, and a .po and .mo per language."""
    files = {place.template: _po_bytes(template_catalog(place))}
    for lang in languages()[1:]:
        catalog = updated(place, lang)
        files[place.po(lang)] = _po_bytes(catalog)
        files[place.mo(lang)] = _mo_bytes(catalog)
    return files


def untranslated(place: Place, lang: str) -> list[str]:
    """The ids of `place` whose `lang` text is missing or fuzzy."""
    catalog = updated(place, lang)
    missing = []
    for ident, text in place.entries:
        found = catalog.get(text[0] if isinstance(text, tuple) else text, context=ident)
        forms = found.string if found is not None else ""
        if found is None or found.fuzzy or not all(forms if isinstance(forms, tuple) else [forms]):
            missing.append(ident)
    return missing


def main(argv: list[str]) -> int:
    check = "--check" in argv
    only = [arg for arg in argv if not arg.startswith("--")]
    stale: list[str] = []
    for place in all_places(only):
        if not place.entries and not place.template.is_file():
            continue
        for path, data in planned_files(place).items():
            if path.is_file() and path.read_bytes() == data:
                continue
            stale.append(str(path.relative_to(paths.PACKAGE_DIR.parent)))
            if not check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
    verb = "out of date" if check else "written"
    for name in stale:
        print(f"{verb}: {name}")
    return 1 if check and stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
