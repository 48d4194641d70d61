"""Access control: every route that names an object (an id or a join code), filled with objects of
instructor A and student A, refuses another student, another class's instructor and an anonymous
visitor, and changes nothing. The walk reads app.url_map, so new routes are covered as they appear."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.security.support import (
    PAYLOAD,
    PUBLIC_BY_DESIGN,
    WRITE_METHODS,
    changed_tables,
    fetch,
    routes,
    snapshot,
    takes_object,
)

pytestmark = pytest.mark.content

INTRUDERS = ("other_student", "other_instructor", None)
OWNERS = ("student", "instructor", "admin")  # the admin owns what only an admin opens (platform registrations)


def _object_routes(app, world):
    walked = [route for route in routes(app, world) if takes_object(route)]
    public = [route for route in walked if route.endpoint in PUBLIC_BY_DESIGN]
    return [route for route in walked if route.endpoint not in PUBLIC_BY_DESIGN], public


def _refused(role, response) -> bool:
    if role is None:
        location = response.headers.get("Location", "")
        return response.status_code in (401, 404) or (response.status_code == 302 and "/login" in location)
    return response.status_code in (403, 404)


def test_owners_reach_every_object_route(app, world, as_role):
    """The fills are right: for each GET route, instructor A or student A gets the page (so a 404 below is real)."""
    guarded, _ = _object_routes(app, world)
    unreachable = []
    for route in (r for r in guarded if "GET" in r.methods):
        codes = {role: fetch(as_role(role), route.path).status_code for role in OWNERS}
        if not any(code < 400 for code in codes.values()):
            unreachable.append(f"{route.path}: {codes}")
    assert not unreachable, "the owners cannot open these pages, so the walk proves nothing there:\n" + "\n".join(
        unreachable
    )
    print(f"Access: the owners open all {sum('GET' in r.methods for r in guarded)} GET object routes")


def test_other_users_and_visitors_are_refused_every_object_route(app, world, as_role):
    guarded, public = _object_routes(app, world)
    for role in INTRUDERS:
        as_role(role)  # sign in before the snapshot
    before = snapshot()
    outcomes: Counter = Counter()
    leaks = []
    for role in INTRUDERS:
        client = as_role(role)
        for route in guarded:
            for method in sorted(route.methods):
                kwargs = {"data": PAYLOAD} if method in WRITE_METHODS else {}
                response = fetch(client, route.path, method, **kwargs)
                outcomes[(role or "anonymous", response.status_code)] += 1
                if not _refused(role, response):
                    leaks.append(
                        f"{role or 'anonymous'} {method} {route.path} -> {response.status_code} "
                        f"{response.headers.get('Location', '')}"
                    )
                if role is not None and response.status_code == 404:
                    body = response.get_data(as_text=True)
                    assert "XSSNAME" not in body and "XSSCLASS" not in body, f"{route.path} 404 shows A's data"
    after = snapshot()
    assert not leaks, "\n".join(leaks)
    assert changed_tables(before, after) == {}, changed_tables(before, after)
    endpoints = sorted({route.endpoint for route in guarded})
    print(
        f"Access: {len(guarded)} filled object routes ({len(endpoints)} endpoints) x GET/POST x "
        f"{len(INTRUDERS)} intruders = {sum(outcomes.values())} requests, every one refused; tables unchanged"
    )
    for (role, code), count in sorted(outcomes.items()):
        print(f"  {role:<16} {code}: {count}")
    for route in public:
        print(f"  public by design: {route.endpoint} ({PUBLIC_BY_DESIGN[route.endpoint]})")


def test_a_student_cannot_reach_instructor_routes_of_their_own_class(app, world, as_role):
    """Student A is in class A, yet its roster, gradebook, analysis, exports and grading are not theirs."""
    guarded, _ = _object_routes(app, world)
    client = as_role("student")
    before = snapshot()
    checked = 0
    for route in guarded:
        if not route.path.startswith(("/classes/", "/manage/", "/authoring/", "/progress/classes/")):
            continue
        for method in sorted(route.methods):
            response = fetch(client, route.path, method, **({"data": PAYLOAD} if method in WRITE_METHODS else {}))
            checked += 1
            assert response.status_code in (403, 404), f"student A {method} {route.path} -> {response.status_code}"
    assert changed_tables(before, snapshot()) == {}
    print(f"Access: student A refused {checked} requests to the instructor pages of their own class")
