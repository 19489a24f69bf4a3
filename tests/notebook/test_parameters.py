"""The parameters every notebook shares: the page's address names the client in the app."""

from __future__ import annotations

import pytest

from securebase.notebook.parameters import ParameterError, check_mode_and_client, client_from_url, url_parameters


def test_url_parameters(monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert url_parameters() == {} and client_from_url("demo-001") == "demo-001"
    monkeypatch.setenv("QUERY_STRING", "client_id=C-7KQ2M9&x=1&x=2")
    assert url_parameters() == {"client_id": "C-7KQ2M9", "x": "2"}
    assert client_from_url("demo-001") == "C-7KQ2M9"


def test_the_address_applies_in_interactive_mode_only_and_is_validated(monkeypatch):
    monkeypatch.setenv("QUERY_STRING", "client_id=C-7KQ2M9")
    assert check_mode_and_client("interactive", "demo-001") == "C-7KQ2M9"
    assert check_mode_and_client("batch", "demo-001") == "demo-001"
    monkeypatch.setenv("QUERY_STRING", "client_id=jane%40example.org")
    with pytest.raises(ParameterError, match="not a valid client id"):
        check_mode_and_client("interactive", "demo-001")
