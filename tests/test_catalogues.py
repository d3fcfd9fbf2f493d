"""Every catalogue is complete and the compiled catalogues the app loads are the committed .po files.

For each language of settings.LANGUAGES but English: no empty translation and no fuzzy entry is
left, the placeholders of a msgid survive in its translation (a missing or renamed one raises
KeyError on the page), and the committed .mo holds exactly the .po's translations (CI does not
compile them, so a .po edited without compilemessages would ship the old text)."""

import ast
import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[1]
LOCALES = [translation.to_locale(code) for code, _name in settings.LANGUAGES]
TRANSLATED = [locale for locale in LOCALES if locale != "en"]

# A python-format placeholder: %(name)s, %(n)d, %s, %d... and "%%" (a literal percent sign).
PYTHON_FORMAT = re.compile(r"%%|%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifgeExXorc]")
# A template placeholder escaped once more for a script (the offline page): %%(name)s.
ESCAPED_NAMED = re.compile(r"%%\((\w+)\)s")
BRACE_FORMAT = re.compile(r"(?<!\{)\{(\w*)\}(?!\})")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstrs: dict[int, str] = field(default_factory=dict)  # msgstr as msgstrs[0]
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}\x04{self.msgid}"

    @property
    def translated(self) -> bool:
        return bool(self.msgstrs) and all(self.msgstrs.values()) and "fuzzy" not in self.flags


def parse_po(path: Path) -> list[Entry]:
    """The live entries of a .po file (the header and obsolete #~ entries left out)."""
    entries: list[Entry] = []
    entry, target = Entry(), None
    lines = [*path.read_text(encoding="utf-8").splitlines(), ""]
    for number, line in enumerate(lines, 1):
        if not line.strip():
            if entry.msgstrs and entry.msgid:
                entries.append(entry)
            entry, target = Entry(), None
            continue
        if line.startswith("#,"):
            entry.flags |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])? (\".*\")$", line)
        if match:
            keyword, index, text = match[1], match[2], ast.literal_eval(match[3])
            if keyword == "msgstr":
                target = ("msgstrs", int(index or 0))
                entry.msgstrs[target[1]] = text
            else:
                target = (keyword, None)
                setattr(entry, keyword, text)
                entry.line = entry.line or number
        elif line.startswith('"') and target:
            text = ast.literal_eval(line)
            if target[0] == "msgstrs":
                entry.msgstrs[target[1]] += text
            else:
                setattr(entry, target[0], getattr(entry, target[0]) + text)
        else:
            raise AssertionError(f"{path}:{number}: cannot read {line!r}")
    return entries


def catalogue(locale: str) -> list[Entry]:
    return parse_po(ROOT / f"locale/{locale}/LC_MESSAGES/django.po")


def placeholders(text: str, flags: set[str]) -> list[str]:
    found = sorted(ESCAPED_NAMED.findall(text))
    if "python-format" in flags:
        names = [m[1] or m[0] for m in PYTHON_FORMAT.finditer(text) if m[0] != "%%"]
        found += sorted(n for n in names if not n.startswith("%")) + [n for n in names if n.startswith("%")]
    if "python-brace-format" in flags:
        found += sorted(BRACE_FORMAT.findall(text))
    return found


class AnyValue(dict):
    def __missing__(self, key):
        return 1


def test_the_catalogues_are_read():
    assert set(TRANSLATED) == {"zh_Hans", "fr", "es", "ru", "ar"}
    entries = catalogue("fr")
    assert len(entries) > 400
    assert {"Office dashboard", "Most targeted brands", "Signing keys"} <= {e.msgid for e in entries}


@pytest.mark.parametrize("locale", TRANSLATED)
def test_every_entry_is_translated_and_none_is_fuzzy(locale):
    entries = catalogue(locale)
    fuzzy = [(e.line, e.msgid) for e in entries if "fuzzy" in e.flags]
    empty = [(e.line, e.msgid) for e in entries if not all(e.msgstrs.values())]
    assert fuzzy == []
    assert empty == []


@pytest.mark.parametrize("locale", TRANSLATED)
def test_placeholders_survive_translation(locale):
    for entry in catalogue(locale):
        for index, msgstr in entry.msgstrs.items():
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            expected = placeholders(source, entry.flags)
            if entry.msgid_plural is not None:  # a form may leave out the count, never a name
                assert set(placeholders(msgstr, entry.flags)) <= set(expected), (locale, entry.msgid)
                continue
            assert placeholders(msgstr, entry.flags) == expected, (locale, entry.msgid, msgstr)
            if "python-format" in entry.flags and "%(" in source.replace("%%", ""):
                msgstr % AnyValue()  # a stray "%" in the translation would raise on the page


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_mo_is_compiled_from_the_po(locale):
    with open(ROOT / f"locale/{locale}/LC_MESSAGES/django.mo", "rb") as f:
        compiled = gettext.GNUTranslations(f)._catalog
    expected = {}
    for entry in catalogue(locale):
        if not entry.translated:
            continue
        if entry.msgid_plural is None:
            expected[entry.key] = entry.msgstrs[0]
        else:
            expected.update({(entry.key, i): text for i, text in entry.msgstrs.items()})
    compiled = {key: text for key, text in compiled.items() if key != ""}  # "" is the header
    stale = sorted(str(key) for key in compiled.keys() - expected.keys())
    missing = sorted(str(key) for key in expected.keys() - compiled.keys())
    different = sorted(
        str(key) for key in expected.keys() & compiled.keys() if expected[key] != compiled[key]
    )
    assert (stale, missing, different) == ([], [], [])


@pytest.mark.parametrize("locale", TRANSLATED)
def test_django_serves_the_catalogue(locale):
    entries = [e for e in catalogue(locale) if e.msgid_plural is None and e.msgctxt is None]
    with translation.override(translation.to_language(locale)):
        wrong = [
            (e.msgid, translation.gettext(e.msgid))
            for e in entries
            if translation.gettext(e.msgid) != e.msgstrs[0]
        ]
    assert wrong == []
