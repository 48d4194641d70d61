"""All models, split by topic; importing this package registers every table."""

from studyapp.models.attempts import Attempt, AttemptItem
from studyapp.models.classes import Assignment, Class, Excusal, Membership, Section
from studyapp.models.content import Claim, Document, GlossaryTerm, Passage, Theme
from studyapp.models.invitations import Invitation, RosterAction, RosterChange
from studyapp.models.lti import (
    LtiContext,
    LtiDeployment,
    LtiKey,
    LtiLaunchState,
    LtiPlatform,
    LtiResourceLink,
    LtiScore,
    LtiTicket,
    LtiUser,
)
from studyapp.models.progress import ReviewCard, ReviewMiss, ThemePoints
from studyapp.models.questions import Question, QuestionBank, QuestionVersion
from studyapp.models.quizzes import Quiz
from studyapp.models.recovery import ResetCode, ResetKind
from studyapp.models.users import Role, User

__all__ = [
    "Assignment",
    "Attempt",
    "AttemptItem",
    "Claim",
    "Class",
    "Document",
    "Excusal",
    "GlossaryTerm",
    "Invitation",
    "LtiContext",
    "LtiDeployment",
    "LtiKey",
    "LtiLaunchState",
    "LtiPlatform",
    "LtiResourceLink",
    "LtiScore",
    "LtiTicket",
    "LtiUser",
    "Membership",
    "Passage",
    "Question",
    "QuestionBank",
    "QuestionVersion",
    "Quiz",
    "ResetCode",
    "ResetKind",
    "ReviewCard",
    "ReviewMiss",
    "Role",
    "RosterAction",
    "RosterChange",
    "Section",
    "Theme",
    "ThemePoints",
    "User",
]
