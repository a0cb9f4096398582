"""Listeners bound to their services look to Bolt like the module-level function minus
`services`: Bolt injects arguments by the names it reads and runs lazy listeners by name."""

from __future__ import annotations

from typing import Any

from slack_bolt.util.utils import get_arg_names_of_callable, get_name_for_callable

from handlers.common import apologise_on_error, with_services


@apologise_on_error
def save_form(services: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
    services.append((body, view))


def test_a_bound_listener_shows_bolt_its_name_and_its_own_arguments() -> None:
    calls: list[tuple[dict, dict]] = []
    bound = with_services(calls)(save_form)  # type: ignore[arg-type]
    assert get_name_for_callable(bound) == "save_form"
    assert get_arg_names_of_callable(bound) == ["body", "view"]
    bound(body={"b": 1}, view={"v": 2})
    assert calls == [({"b": 1}, {"v": 2})]
