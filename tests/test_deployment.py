"""Settings for several machines: the client's address behind a reverse proxy (login
throttling counts each client, not the proxy; a client cannot name another address without
one), and database connections fit for PgBouncer in transaction mode."""

from __future__ import annotations

import pytest

import config
from app import _trust_proxies
from tests.factories import PASSWORD

WRONG = "not the right password"


def _login(make_browser, username, password, forwarded_for):
    browser = make_browser()
    browser.get("/login")
    return browser.post(
        "/login",
        {"username": username, "password": password},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},  # the proxy
        headers={"X-Forwarded-For": forwarded_for},
    )


def test_behind_a_proxy_each_client_is_throttled_on_its_own_address(app, world, make_browser):
    app.config["PROXIES"] = 1
    _trust_proxies(app)
    for attempt in range(20):
        _login(make_browser, f"guess{attempt}", WRONG, "192.0.2.7")
    assert _login(make_browser, "caseworker.a", PASSWORD, "192.0.2.7").status_code == 422
    assert _login(make_browser, "caseworker.a", PASSWORD, "192.0.2.8").status_code == 302


def test_without_a_proxy_a_forwarded_address_is_not_believed(world, make_browser):
    for attempt in range(20):
        _login(make_browser, f"guess{attempt}", WRONG, f"192.0.2.{attempt}")
    assert _login(make_browser, "caseworker.a", PASSWORD, "192.0.2.99").status_code == 422


def test_behind_pgbouncer_in_transaction_mode_no_statement_is_prepared(monkeypatch):
    monkeypatch.setenv("AWDA_DB_POOLER", "transaction")
    monkeypatch.setenv("AWDA_DB_POOL_SIZE", "3")
    options = config.engine_options("postgresql+psycopg://awda@pgbouncer:6432/awda")
    assert options["connect_args"] == {"prepare_threshold": None}
    assert (options["pool_size"], options["max_overflow"]) == (3, 10)
    assert "connect_args" not in config.engine_options("sqlite:///awda.sqlite3")


def test_an_unknown_pooler_mode_stops_the_start(monkeypatch):
    monkeypatch.setenv("AWDA_DB_POOLER", "statement")
    with pytest.raises(config.ConfigError, match="AWDA_DB_POOLER"):
        config.engine_options("postgresql+psycopg://awda@pgbouncer:6432/awda")
