"""Safety screening of free-text entries (the crisis resources are :mod:`securebase.safety.resources`).

:func:`screen_text` looks for (1) self-harm or suicide, (2) abuse or danger in the relationship
and (3) harm to others, in four layers:

(a) **the lexicon** (:mod:`securebase.safety.lexicon`, phrases in ``content/safety/lexicon.yaml``):
    named groups of phrases, over a normalised text (:mod:`securebase.safety.normalise`: case,
    Unicode, leet, spacing and one-letter misspellings undone);
(b) **a statistical backstop** (:mod:`securebase.safety.backstop`): a classifier trained on the
    labelled corpus in ``content/safety/corpus/``, for wordings no list foresees;
(c) **sentence by sentence**: the backstop scores each sentence and each pair of neighbouring
    sentences (as well as the whole), so a disclosure inside a long paragraph is not diluted;
(d) **a check-in tier**: a text close to risk but not a clear disclosure - means, goodbyes,
    hopelessness, fear of a partner, a denial ("I'm not suicidal"), the backstop unsure - sets
    ``check_in``. The workbook then asks the person directly (see :mod:`securebase.safety.check_in`).

How the layers combine, per category: a lexicon phrase of tier ``flag`` flags, unless it is
denied ("not", "never", "no" just before it in the same clause); a denied phrase, a lexicon phrase
of tier ``check_in`` and a backstop score between its two thresholds ask a check-in; a backstop
score above its flag threshold flags (so a denial the model reads as risk still flags). When the
backstop is sure a text is ordinary (its score is below that of all but a few of the corpus's clear
disclosures), a denied phrase, and a phrase of an entry marked ``figurative`` (wordings people also
use as figures of speech), are set aside: "I'm going to kill this interview", "I'll smother him with
a pillow if he doesn't see a doctor about the snoring, lol", "no thoughts of hurting myself, just
tired". Other phrases ("he choked me") always count.

How to use the result: a flagged save is still saved. The person sees the crisis resources at once
(which begin by saying the entry was saved and that nobody watches this tool in real time), and the
clinician can see ``ScreenResult.matches`` - which words matched which entry - to understand why.
There is no score anywhere in the result: a text is flagged, or checked in about, in named
categories; the backstop's probabilities stay inside it.

Hyperbole and idioms ("this argument is killing me", "I'd kill for a holiday", "I could die of
embarrassment") are not flagged: the lexicon asks for the wording of a disclosure, and the corpus
teaches the backstop the difference.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from securebase.content import content_dir
from securebase.core.errors import ContentError
from securebase.safety import backstop as _backstop
from securebase.safety import resources
from securebase.safety.categories import CATEGORIES
from securebase.safety.lexicon import CompiledLexicon, Hit, load_lexicon_file

BACKSTOP = "backstop"   # the ``entry`` of a match found by the backstop rather than a lexicon entry


@dataclass(frozen=True)
class Match:
    """One hit: which category, which lexicon entry (or :data:`BACKSTOP`), and the words as the person wrote them."""

    category: str
    entry: str        # the lexicon entry id, e.g. "kill_self", or "backstop"
    text: str         # the matched words (for the backstop, the sentence), taken from the original text
    start: int        # offsets into the original text
    end: int
    tier: str = "flag"   # "flag" or "check_in", after denials are taken into account


@dataclass(frozen=True)
class ScreenResult:
    """The outcome of :func:`screen_text`. No score: flagged or not, checked in about or not, and why."""

    flagged: bool
    categories: tuple[str, ...]       # flagged categories, a subset of CATEGORIES, in that order
    matches: tuple[Match, ...]        # ordered by position in the text
    lexicon_version: str = ""
    check_in_categories: tuple[str, ...] = ()   # close to risk (and not flagged): ask the person

    @property
    def check_in(self) -> bool:
        """True when the workbook should ask the person directly whether they are safe."""
        return bool(self.check_in_categories)


# A denial just before a phrase, in the same sentence: "I'm not suicidal", "never want to die".
_DENIAL = re.compile(
    r"(?:^|[^a-z'])(?:not|never|no|nor|none|nothing|don't|dont|doesn't|doesnt|didn't|didnt|won't|wont|"
    r"wouldn't|wouldnt|isn't|isnt|wasn't|wasnt|aren't|arent|haven't|havent|hasn't|hasnt|ain't|aint|"
    r"neither|zero|without)(?:[^a-z']|$)"
)
_CLAUSE_START = re.compile(r"[.!?;\n]|,\s*(?:but|though|although|yet)\b|\b(?:but|though|although|yet)\b")


def _denied(norm: str, hit: Hit, inside: bool) -> bool:
    """Is the phrase at ``hit`` denied? Looks back to the start of its clause, at most four words;
    with ``inside``, also at the phrase's own first words ("he has never hit me")."""
    before = norm[max(0, hit.start - 60):hit.start]
    cut = list(_CLAUSE_START.finditer(before))
    if cut:
        before = before[cut[-1].end():]
    before = " ".join(before.split()[-4:])
    if _DENIAL.search(f" {before} "):
        return True
    if inside:
        head = " ".join(norm[hit.start:hit.end].split()[:5])
        return bool(_DENIAL.search(f" {head} "))
    return False


class _Screen:
    def __init__(self, lexicon: CompiledLexicon, model: _backstop.Backstop):
        self.lexicon = lexicon
        self.model = model
        self.version = lexicon.version
        self.denial_inside = lexicon.denial_inside

    def __call__(self, text: str) -> ScreenResult:
        norm, pos = self.lexicon.normalise(text)

        def original(s: int, e: int) -> tuple[int, int]:
            return (s, e) if pos is None else (pos[s], pos[e - 1] + 1)

        learned, ordinary = self.model.assess(norm)
        flagged: set[str] = set()
        asked: set[str] = set()
        found: list[Match] = []
        denials: list[tuple[str, int, int]] = []
        leet = self.lexicon.normalise.leet_set
        for hit in self.lexicon.hits(norm):
            tier = hit.tier
            denied = tier == "flag" and _denied(norm, hit, hit.entry in self.denial_inside)
            start, end = original(hit.start, hit.end)
            disguised = any(c in leet for c in text[start:end])   # "ki11 myself" is hidden, not a figure of speech
            if ordinary and not disguised and (denied or hit.entry in self.lexicon.figurative):
                continue            # the backstop is sure the text is ordinary: a denial, or a figure of speech
            if denied:
                tier = "check_in"   # the backstop flags it below if it reads another part of the text as risk
                denials.append((hit.category, hit.start, hit.end))
            (flagged if tier == "flag" else asked).add(hit.category)
            found.append(Match(hit.category, hit.entry, text[start:end], start, end, tier))
        for category, (tier, (s, e)) in learned.items():
            if tier == "flag" and any(c == category and a < e and s < b for c, a, b in denials):
                tier = "check_in"   # the window the backstop reads as risk is the denial itself ("I would never ...")
            (flagged if tier == "flag" else asked).add(category)
            if not any(m.category == category for m in found):
                start, end = original(s, e)
                found.append(Match(category, BACKSTOP, text[start:end].strip(), start, end, tier))
        found.sort(key=lambda m: (m.start, CATEGORIES.index(m.category), m.entry))
        cats = tuple(c for c in CATEGORIES if c in flagged)
        check = tuple(c for c in CATEGORIES if c in asked and c not in flagged)
        return ScreenResult(bool(cats), cats, tuple(found), self.version, check)


@functools.cache
def _load_screen(root: Path) -> _Screen:
    path = root / "safety" / "lexicon.yaml"
    if not path.exists():
        raise ContentError(path, "(file)", "the safety lexicon is missing")
    return _Screen(load_lexicon_file(path), _backstop.load(root))


def check_safety_content(root: Path | None = None) -> str:
    """Load the lexicon and the backstop, and check the model was built from the corpus in ``content/``."""
    root = root or content_dir()
    screen = _load_screen(root)
    _backstop.check_up_to_date(root, screen.model)
    return screen.version


def build_backstop(root: Path | None = None) -> dict:
    """Rebuild ``content/safety/backstop.npz`` from the corpus (``make safety-model``)."""
    root = root or content_dir()
    lexicon = load_lexicon_file(root / "safety" / "lexicon.yaml")
    summary = _backstop.build(root, lexicon.normalise)
    _load_screen.cache_clear()
    return summary


def lexicon_version() -> str:
    return _load_screen(content_dir()).version


def screen_text(text: str) -> ScreenResult:
    """Screen one free-text answer for self-harm, abuse or danger, and harm to others.

    Returns a :class:`ScreenResult`: ``flagged`` and the flagged ``categories`` (in the order of
    :data:`CATEGORIES`), ``check_in`` and the ``check_in_categories`` to ask the person about, and
    the ``matches`` that explain both to a clinician. No numeric risk score is produced.

    A denial ("I'm not suicidal", "he has never hit me, but ...") is not taken at its word: it asks a
    check-in, and flags when the backstop reads another part of the text as risk, unless the backstop
    is sure the text is ordinary ("no thoughts of hurting myself, just tired"). A wording disguised
    with digits or symbols ("ki11 myself") is never set aside as a figure of speech. The lexicon and the model are
    loaded once and cached.
    """
    if not text or not text.strip():
        return ScreenResult(False, (), (), _load_screen(content_dir()).version)
    if len(text) > MAX_SCREENED:
        return _merge([_load_screen(content_dir())(part) for part in _chunks(text)])
    return _load_screen(content_dir())(text)


def clear_cache() -> None:
    """Forget the loaded lexicon, model and resources (for tests and for authors editing them)."""
    _load_screen.cache_clear()
    resources.clear_cache()


MAX_SCREENED = 20_000   # longer texts are screened in overlapping pieces, so time stays linear


def _chunks(text: str, size: int = MAX_SCREENED, overlap: int = 400) -> list[str]:
    return [text[i:i + size] for i in range(0, len(text), size - overlap)]


def _merge(results: list[ScreenResult]) -> ScreenResult:
    flagged = {c for r in results for c in r.categories}
    asked = {c for r in results for c in r.check_in_categories} - flagged
    matches = tuple(m for r in results for m in r.matches)
    return ScreenResult(bool(flagged), tuple(c for c in CATEGORIES if c in flagged), matches,
                        results[0].lexicon_version, tuple(c for c in CATEGORIES if c in asked))
