"""The parameters every notebook shares: the page's address names the client in the app."""

from __future__ import annotations

import pytest

from securebase.notebook.parameters import ParameterError, check_mode_and_client, url_parameters


def test_url_parameters(monkeypatch):
    monkeypatch.delenv("QUERY_STRING", raising=False)
    assert url_parameters() == {}
    monkeypatch.setenv("QUERY_STRING", "client_id=C-7KQ2M9&x=1&x=2")
    assert url_parameters() == {"client_id": "C-7KQ2M9", "x": "2"}


def test_on_an_app_page_the_address_names_the_client_and_nothing_else_does(monkeypatch):
    monkeypatch.setenv("SERVER_SOFTWARE", "voila/0.5.13")
    monkeypatch.setenv("QUERY_STRING", "client_id=C-7KQ2M9")
    assert check_mode_and_client("interactive", "demo-001") == "C-7KQ2M9"
    assert check_mode_and_client("batch", "demo-001") == "demo-001"
    monkeypatch.setenv("QUERY_STRING", "client_id=jane%40example.org")
    with pytest.raises(ParameterError, match="not a client code"):
        check_mode_and_client("interactive", "demo-001")
    monkeypatch.setenv("QUERY_STRING", "client_id=C-NL2345%0A")    # a newline at the end
    with pytest.raises(ParameterError, match="not a client code"):
        check_mode_and_client("interactive", "demo-001")
    monkeypatch.setenv("QUERY_STRING", "")                          # no default client
    with pytest.raises(ParameterError, match="names none"):
        check_mode_and_client("interactive", "demo-001")


def test_outside_the_app_the_parameter_names_the_client(monkeypatch):
    monkeypatch.delenv("SERVER_SOFTWARE", raising=False)
    monkeypatch.setenv("QUERY_STRING", "client_id=C-7KQ2M9")    # not a Voila kernel: the address is not read
    assert check_mode_and_client("interactive", "demo-001") == "demo-001"
    with pytest.raises(ParameterError, match="not a valid client id"):
        check_mode_and_client("interactive", "C-NL2345\n")
