"""Every widget test checks that the layouts and styles widgets share were left as they were made: a
change to one (hiding a button through its layout, say) would change every widget that shares it."""

import pytest


@pytest.fixture(autouse=True)
def shared_layouts_unchanged():
    yield
    from securebase.ui.styles import changed_shared

    assert changed_shared() == []
