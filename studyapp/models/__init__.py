"""All models, split by topic; importing this package registers every table."""

from studyapp.models.users import Role, User

__all__ = ["Role", "User"]
