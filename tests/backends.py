"""What both store backends raise when the database itself refuses a statement (a trigger, a constraint)."""

from __future__ import annotations

import sqlite3

import psycopg

REFUSED = (sqlite3.IntegrityError, psycopg.errors.IntegrityError)
