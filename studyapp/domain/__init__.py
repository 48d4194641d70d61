"""The domain layer: what studyapp does, beneath the blueprints and above the models and `core`.

Each module holds one kind of thing (accounts, content, questions, quizzes, classes, attempts,
mastery, reviews, gradebook, exports, the shipped library). Functions take plain data and an
explicit actor, flush but never commit (the request or CLI command commits once), raise a
`DomainError` with a message for the user, and announce what happened through `events`.
Nothing here reads `request` or builds a URL. See docs/development.md.
"""
