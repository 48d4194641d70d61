"""Accounts: sign up, log in, log out, change password; the admin's user list."""

from studyapp.auth.views import bp

__all__ = ["bp"]
