"""Sign-up, sign-in and the error pages in Chromium, each checked with axe-core."""

from __future__ import annotations

import re

from tests.browser.conftest import assert_accessible, sign_in


def test_home_page_is_accessible(page):
    page.goto("/")
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page)


def test_student_signs_up_signs_out_and_signs_back_in(page):
    page.goto("/signup")
    assert_accessible(page)
    page.get_by_label("Your name").fill("Grace Reader")
    page.get_by_label("Email").fill("grace@studyapp.example")
    page.get_by_label("Password", exact=True).fill("a long reading list")
    page.get_by_label("Repeat the password").fill("a long reading list")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/login")
    assert page.get_by_text("Your account is ready: sign in with your email and password.").is_visible()
    assert_accessible(page)
    sign_in(page, "grace@studyapp.example", "a long reading list")
    assert page.get_by_role("link", name="Grace Reader").is_visible()

    page.get_by_role("button", name="Sign out").click()
    assert page.get_by_text("You are signed out.").is_visible()

    page.goto("/login")
    assert_accessible(page)
    sign_in(page, "grace@studyapp.example", "a long reading list")
    assert page.get_by_role("link", name="Grace Reader").is_visible()


def test_form_errors_are_announced_and_accessible(page):
    page.goto("/signup")
    page.get_by_role("button", name="Create account").click()
    assert page.get_by_role("alert").is_visible()
    field = page.get_by_label("Your name")
    assert field.get_attribute("aria-invalid") == "true"
    assert_accessible(page)

    page.goto("/login")
    page.get_by_label("Email").fill("nobody@studyapp.example")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_text("That email and password do not match an account.").is_visible()
    assert_accessible(page)


def test_error_page_is_accessible(page):
    response = page.goto("/no-such-page")
    assert response.status == 404
    assert page.get_by_role("heading", name="Not found").is_visible()
    assert_accessible(page)


def test_skip_link_moves_focus_to_main(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    assert skip.evaluate("el => el === document.activeElement")
    page.keyboard.press("Enter")
    assert re.search(r"#main$", page.url)


def test_account_page_is_accessible(page, live_user):
    email = live_user()
    sign_in(page, email)
    page.goto("/account")
    assert page.get_by_role("heading", name="Change your password").is_visible()
    assert_accessible(page)
