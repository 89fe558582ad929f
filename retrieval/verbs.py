"""Is a word of an English question a verb?

A report tells an event with its own verbs: "When was the meeting *held*?" is answered by
«عُقد الاجتماع», "Who *opened* it?" by «وافتتح». So a verb of an English question that the
glossary does not translate says little about whether the report has the answer, while a noun
it does not translate ("budget", "penalty") often names what the report lacks
(:func:`fahras.retrieval.coverage.unreached`).

No part-of-speech tagger can be had offline, so this is a light rule, in order:

- the word is a form of a common verb of questions about meetings, documents and events
  (:data:`BASE_VERBS`, with their regular forms -s, -ed, -ing and the irregular forms of
  :data:`IRREGULAR`);
- it ends in -ed (``dismantled``) -- taken for a past form (-ing is not: "meeting",
  "funding", "smuggling" are nouns as often as not).

The word before a verb is no help in a question: after an auxiliary comes the subject ("did
*UNODC* receive", "will *irregular* migration").
"""

from __future__ import annotations

import re
from functools import lru_cache

# Base forms of common English verbs (general vocabulary, not words of any question).
BASE_VERBS = frozenset("""
accept achieve act add address adopt affect agree aim allow announce answer apply appoint
approve argue arrange ask assess assist attend back become begin believe belong bring build buy
call carry cause chair change charge choose close come commit compare complete concern conclude
conduct confirm consider consist contain continue contribute control cooperate cost count cover
create cross cut deal decide declare define deliver describe design develop die discuss do draft
draw drive drop earn elect emphasize enable encourage end endorse enter establish examine exist
expect explain express face fall feel fight file find finish focus follow force form fund gain
get give go grant grow guarantee happen have hear help hold host identify implement improve
include increase indicate inform intend introduce invite involve issue join keep know lead learn
leave let lie like limit link list live look lose make manage mean meet mention move name need
note notice obtain occur offer open operate organize own participate pass pay plan play point
prepare present prevent produce promote propose protect provide publish pursue put raise reach
read receive recognize recommend record reduce refer reflect reject relate release remain remove
report represent request require respond result return review rise run save say see seek seem
send serve set share show sign speak stand start state stay stop strengthen stress submit suggest
support take talk tell tend think travel try turn underline understand undertake urge use visit
vote want warn win work write
""".split())
IRREGULAR = frozenset("""
am is are was were been being has had did done does goes went gone made said says told took taken
gave given held met brought built bought came chose chosen cut dealt drew drawn drove driven fell
fallen felt fought found got gotten grew grown heard kept knew known led left lay lain lost meant
paid put ran rose risen sent set saw seen sought spoke spoken stood began begun became wrote
written won thought understood undertook undertaken read
""".split())
_ED = re.compile(r"[a-z]{3,}ed$")


@lru_cache(maxsize=1)
def verb_forms() -> frozenset[str]:
    """Every form of :data:`BASE_VERBS` (regular inflections) and :data:`IRREGULAR`."""
    out = set(IRREGULAR)
    for v in BASE_VERBS:
        stem_e = v[:-1] if v.endswith("e") else v
        out.update({v, v + "s", v + "es", v + "d" if v.endswith("e") else v + "ed",
                    stem_e + "ing"})
        if v.endswith("y") and v[-2:-1] not in "aeiou":  # apply -> applies, applied
            out.update({v[:-1] + "ies", v[:-1] + "ied"})
        if re.fullmatch(r"[^aeiou]*[aeiou][bdgmnprt]", v):  # plan -> planned, run -> running
            out.update({v + v[-1] + "ed", v + v[-1] + "ing"})
    return frozenset(out)


def is_verb(word: str) -> bool:
    """Whether ``word`` (as typed) is taken for a verb."""
    w = word.lower()
    return w in verb_forms() or bool(_ED.fullmatch(w))
