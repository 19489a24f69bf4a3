"""Reading a written report page in tests: every report carries exactly one script, its Print button's."""

from securebase.reports.render import PRINT_SCRIPT


def without_print_script(page: str) -> str:
    """``page`` with the Print button's script taken out (once; it must be there), so a test can check that
    no other script is on it."""
    element = f"<script>{PRINT_SCRIPT}</script>"
    assert page.count(element) == 1, "a report page carries its Print button's script exactly once"
    return page.replace(element, "", 1)
