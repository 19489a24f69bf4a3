"""Homework between sessions: what a clinician sets (:mod:`~securebase.homework.assignments`), today's
practice and adherence measured against it, the client's private calendar feed
(:mod:`~securebase.homework.calendar`) and the optional e-mail reminders
(:mod:`~securebase.homework.reminders`)."""

from securebase.homework.assignments import (
    FREQUENCY_WORDS,
    Adherence,
    HomeworkError,
    TodayItem,
    adherence,
    assign,
    default_times,
    parse_times,
    todays_practice,
)

__all__ = ["FREQUENCY_WORDS", "Adherence", "HomeworkError", "TodayItem", "adherence", "assign", "default_times", "parse_times",
           "todays_practice"]
