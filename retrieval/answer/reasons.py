"""Why ``ask`` says what it says: every code, its parameters, and its English text.

A reason is a code and parameters; its texts are the catalog's (English and Arabic); the web interface renders
the code in the reader's language (``fahras/messages.py``). The codes:

| code | when | parameters |
|---|---|---|
| ``refuse_filters`` | no passage matches the filters | |
| ``refuse_nothing`` | none of its words is in the documents and nothing is close | |
| ``refuse_number`` | the closest passage lacks a number the question names | ``number`` |
| ``refuse_ordinal`` | ... an ordinal it names («الثاني عشر», "twelfth") | ``ordinal`` |
| ``refuse_entity`` | ... a country or name it names | ``name`` |
| ``refuse_absent`` | the documents never use a word of the question | ``word`` |
| ``refuse_missing`` | the closest passage lacks the question's specific words | ``words`` |
| ``refuse_cue`` | it asks for a date, a count...; the closest passage has none | ``wanted`` |
| ``refuse_far`` | it is far from everything the documents say | |
| ``refuse_weak`` | the evidence is weak, no single cause stands out | |
| ``likely_answer`` | an answer, with middling evidence | ``confidence`` |

A refusal names the evidence that weighed most against the answer (the most negative share of
the refusal model's logit among the features that name a cause), a specific cause -- what the
question names and the passage lacks -- before a general one (far, weak).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What a question's type asks for (the ``wanted`` parameter is the type; its words are the
# catalog's ``want_<type>``).
WANTED = ("when", "how_many", "who", "where", "list")
# The question features that name a cause, and the reason each gives.
CAUSES = (("number_missing", "refuse_number"), ("ordinal_missing", "refuse_ordinal"),
          ("entity_missing", "refuse_entity"), ("absent", "refuse_absent"),
          ("missing_idf", "refuse_missing"), ("n_missing", "refuse_missing"),
          ("lex_ctx", "refuse_missing"), ("type_miss", "refuse_cue"),
          ("best_cos", "refuse_far"), ("dense_z", "refuse_far"), ("cos_spread", "refuse_far"),
          ("best_logit", "refuse_weak"))


GENERAL = frozenset({"refuse_far", "refuse_weak"})


@dataclass(frozen=True)
class Reason:
    code: str
    params: dict = field(default_factory=dict)

    def message(self):
        """The reason as a catalog message (``fahras/data/messages.tsv``), in either language."""
        from fahras.messages import Message

        p = self.params
        wanted = {"when": Message("want_when"), "how_many": Message("want_how_many"),
                  "who": Message("want_who"), "where": Message("want_where"),
                  "list": Message("want_list")}
        make = {  # every code a reason has, with its parameters
            "refuse_filters": lambda: Message("refuse_filters"),
            "refuse_nothing": lambda: Message("refuse_nothing"),
            "refuse_number": lambda: Message("refuse_number", number=p["number"]),
            "refuse_ordinal": lambda: Message("refuse_ordinal", ordinal=p["ordinal"]),
            "refuse_entity": lambda: Message("refuse_entity", name=p["name"]),
            "refuse_absent": lambda: Message("refuse_absent", word=p["word"]),
            "refuse_missing": lambda: Message("refuse_missing", words=p["words"]),
            "refuse_cue": lambda: Message("refuse_cue", wanted=wanted[p["wanted"]]),
            "refuse_far": lambda: Message("refuse_far"),
            "refuse_weak": lambda: Message("refuse_weak"),
            "likely_answer": lambda: Message("likely_answer", confidence=p["confidence"]),
        }
        return make[self.code]()

    @property
    def text(self) -> str:
        return str(self.message())

    def __str__(self) -> str:
        return self.text


def refusal_reason(evidence, contributions: dict[str, float], qtype: str | None,
                   n_units: int = 0) -> Reason:
    """The reason for a refusal: none of the question's words is in any passage; or else the
    cause whose feature weighed most against the answer and whose evidence is there (a missing
    number is named only when one is missing)."""
    if n_units and len(evidence.absent) == n_units:
        return Reason("refuse_nothing")
    def when(ok, params):
        return params if ok else None

    named = {
        "refuse_number": lambda: when(evidence.numbers, lambda: {
            "number": evidence.numbers[0].word}),
        "refuse_ordinal": lambda: when(evidence.ordinals, lambda: {
            "ordinal": evidence.ordinals[0]}),
        "refuse_entity": lambda: when(evidence.entities, lambda: {
            "name": evidence.entities[0].word}),
        "refuse_absent": lambda: when(evidence.absent, lambda: {"word": evidence.absent[0].word}),
        "refuse_missing": lambda: when(evidence.missing, lambda: {
            "words": "، ".join(u.word for u in evidence.missing[:2])}),
        "refuse_cue": lambda: when(qtype in WANTED, lambda: {"wanted": qtype}),
        "refuse_far": lambda: dict,
        "refuse_weak": lambda: dict,
    }
    ranked = sorted((v, f, code) for f, code in CAUSES if (v := contributions.get(f)) is not None
                    and v < 0)
    # A cause the question names (a number, a country, a word...) before the general ones.
    for general in (False, True):
        for _value, _feature, code in ranked:
            if (code in GENERAL) is general and (params := named[code]()) is not None:
                return Reason(code, params())
    return Reason("refuse_weak")
