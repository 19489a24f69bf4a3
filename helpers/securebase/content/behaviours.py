"""What an exercise does beyond its form: the known behaviours, by name.

An exercise declares its behaviours in content (``behaviours: [prediction_error]`` in
``content/programs/*.yaml``); the program is refused on load when it names a behaviour that is not
in :data:`BEHAVIOURS`, lacks a field the behaviour reads, or gives a once-per-program behaviour to
two exercises. Code never asks for an exercise by its id to find one of these: it asks which
exercise has a behaviour (:meth:`~securebase.content.Program.find_exercise_with`,
:meth:`~securebase.content.Phase.exercise_with`, :meth:`~securebase.content.Exercise.has`).

Each behaviour is implemented once, where it belongs, and registered there by its name:

* derived values in :mod:`securebase.journal.derived` (``register``);
* panels under a form in :mod:`securebase.ui.panels` (``register_panel``);
* roles that one exercise of a program plays are read where they are used (the pattern view,
  the disclosure script's source, the couple's protocol and check-in, the help screen, the
  handout's sections, the progress view's experiments).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Behaviour:
    name: str
    summary: str                      # what it does, for content authors
    fields: tuple[str, ...] = ()      # fields the exercise must have for it to work
    once: bool = False                # at most one exercise of a program may declare it


BEHAVIOURS: dict[str, Behaviour] = {b.name: b for b in (
    # ---- derived values (journal/derived.py), shown under the form, in summaries, handouts and progress
    Behaviour("prediction_error", "Derived: predicted minus felt intensity. Its entries are the progress "
              "view's and the cohort report's behavioural experiments.", ("predicted_intensity", "actual_intensity")),
    Behaviour("belief_change", "Derived: belief after minus belief before.", ("belief_after", "belief_before")),
    Behaviour("intensity_change", "Derived: intensity after minus intensity before.",
              ("intensity_after", "intensity_before")),
    Behaviour("calm_change", "Derived: calm after minus calm before.", ("calm_after", "calm_before")),
    Behaviour("defused", "Derived: the thought rephrased as \"I'm having the thought that ...\".", ("thought",)),
    # ---- panels under the form (ui/panels.py)
    Behaviour("status_list", "Panel: the items in use and retired, with buttons to retire one or use it again.",
              ("status",)),
    Behaviour("maintenance_schedule", "Panel and handout: the dates the plan sets from the start date, "
              "with a calendar file.", ("checkin_weekday", "appreciation_day"), once=True),
    Behaviour("trigger_nudge", "Panel: a nudge under the trigger question while it is vague.", ("trigger",)),
    Behaviour("activation_wording", "Panel: wording for the statement, built from the chosen activation.",
              ("activation", "statement")),
    Behaviour("script_from_journal", "Panel: fill the parts from a journal entry (the program's "
              "'disclosure_source'), then draft the script.",
              ("trigger", "sensation", "impulse", "early_pattern", "script")),
    Behaviour("blame_check", "Panel: what the blame check spots in the draft, and a rewording.",
              ("draft", "blame_signs", "revised")),
    Behaviour("help_screen", "Panel and batch output: what the answers suggest about more support; its "
              "questions are also the help section of every workbook.",
              ("persisted_despite_self_help", "out_of_control_behaviour", "relationship_crisis",
               "significant_trauma"), once=True),
    # ---- roles: the one exercise of a program that plays a part elsewhere
    Behaviour("pattern_journal", "Role: the journal drawn as chains and recurring sequences by the "
              "phase's 'patterns' view.", ("trigger_type", "behaviour_type", "emotions", "body_sensations"),
              once=True),
    Behaviour("disclosure_source", "Role: the journal whose entries a 'script_from_journal' exercise "
              "starts from.", ("body_locations", "sensation_kind"), once=True),
    Behaviour("couple_protocol", "Role: the couple's shared, versioned protocol (both partners consent; "
              "never shared entry by entry).", ("timeout_minutes", "return_commitment"), once=True),
    Behaviour("couple_checkin", "Role: the daily check-in that the couple's adherence figures and "
              "dyadic exports read.", ("connected", "minutes", "signal_used", "timeout_called",
                                       "returned_on_time", "felt_connected"), once=True),
    Behaviour("handout_statements", "Handout: the active statements (status 'active').",
              ("statement", "status"), once=True),
    Behaviour("handout_values", "Handout: the latest values ranking.", ("value_ranking",), once=True),
)}

# An extra view of a phase (``views:``) and the behaviour one of the phase's exercises must have for it.
VIEW_NEEDS = {"patterns": "pattern_journal"}


def behaviour(name: str) -> Behaviour:
    """The known behaviour ``name``; a :class:`KeyError` naming the known ones otherwise."""
    try:
        return BEHAVIOURS[name]
    except KeyError:
        raise KeyError(unknown_message(name)) from None


def unknown_message(name: str) -> str:
    return f"unknown behaviour {name!r}; known behaviours: {', '.join(sorted(BEHAVIOURS))}"


def missing_fields(name: str, field_ids: Iterable[str]) -> tuple[str, ...]:
    """The fields that behaviour ``name`` reads and ``field_ids`` lacks."""
    have = set(field_ids)
    return tuple(f for f in behaviour(name).fields if f not in have)
