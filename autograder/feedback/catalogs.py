"""Message catalogs: every message's text in each language (gettext .po/.mo, kept with Babel).

A message's id is its gettext context (msgctxt) and its English text the
msgid; a catalog gives the msgstr of a language. Three catalogs serve an
assignment, looked up in this order:

- `autograder/checks/ID/private/locale/LANG/LC_MESSAGES/checks.mo`: its hidden
  checks' titles and messages, its private mistakes (never shipped);
- `autograder/checks/ID/locale/LANG/LC_MESSAGES/checks.mo`: its public checks'
  titles and messages, the mistakes the public checks may name;
- `autograder/feedback/locale/LANG/LC_MESSAGES/dlcourse.mo`: the kit's, the
  sandbox's and the engine's messages, the summary and the terminal views.

English is the source language and needs no catalog. A language is any
folder of the package catalog (`languages()`): adding one is translating the
`.pot` templates into new `.po` files and compiling them
(`python -m autograder.release.extract`, see checks/AUTHORING.md), no code.
A message a catalog lacks falls back to its English text.
"""

from __future__ import annotations

import gettext
from functools import lru_cache
from pathlib import Path

from autograder import paths
from autograder.messages import Translate

SOURCE_LANG = "en"
PACKAGE_DOMAIN = "dlcourse"
CHECKS_DOMAIN = "checks"
PACKAGE_LOCALE = Path(__file__).resolve().parent / "locale"


def locale_dir(assignment: str | None = None, *, private: bool = False) -> Path:
    """The locale folder of the package (no assignment) or of an assignment's checks."""
    if assignment is None:
        return PACKAGE_LOCALE
    folder = paths.private_dir(assignment) if private else paths.checks_dir(assignment)
    return folder / "locale"


def languages() -> tuple[str, ...]:
    """The source language, then every language the package catalog is translated into."""
    found = sorted(
        path.parent.parent.name
        for path in PACKAGE_LOCALE.glob(f"*/LC_MESSAGES/{PACKAGE_DOMAIN}.po")
    )
    return (SOURCE_LANG, *(lang for lang in found if lang != SOURCE_LANG))


@lru_cache(maxsize=64)
def translations(assignment: str | None, lang: str) -> gettext.NullTranslations:
    """The catalogs of `assignment` (or the package's alone) in `lang`, chained."""
    chain = gettext.NullTranslations()
    if lang == SOURCE_LANG:
        return chain
    sources = [(PACKAGE_LOCALE, PACKAGE_DOMAIN)]
    if assignment:
        sources = [
            (locale_dir(assignment, private=True), CHECKS_DOMAIN),
            (locale_dir(assignment), CHECKS_DOMAIN),
            *sources,
        ]
    first: gettext.NullTranslations | None = None
    for folder, domain in sources:
        found = gettext.translation(domain, folder, languages=[lang], fallback=True)
        if type(found) is gettext.NullTranslations:
            continue  # no such catalog here (a student bundle has no private ones)
        if first is None:
            first = found
        else:
            first.add_fallback(found)
    return first or chain


def translator(assignment: str | None, lang: str) -> Translate:
    """What renders messages in `lang`: the catalogs' texts, or the English ones."""
    return translations(assignment, lang)
