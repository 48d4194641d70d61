"""The LTI 1.3 tool tested against a real platform (tests/lti/platform.py) over HTTP."""
