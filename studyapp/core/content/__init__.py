"""The content format (docs/content.md): reading, checking and cutting up `content/`.

Pure Python: no Flask, no SQLAlchemy. `load_tree` reads and checks a content folder;
the reading pages and `flask content` build on what it returns.
"""

from studyapp.core.content.blocks import Block, document_blocks, neighbours
from studyapp.core.content.frontmatter import FrontMatter, FrontMatterError, read_front_matter
from studyapp.core.content.glossary import mark_terms, term_forms
from studyapp.core.content.loader import PARTS, SPEAKERS, check_references, check_tree, load_tree
from studyapp.core.content.model import (
    Claim,
    ClaimSide,
    ContentTree,
    Document,
    Error,
    GlossaryTerm,
    Note,
    NoteRef,
    PageMark,
    Passage,
    QuoteParagraph,
    Segment,
    SourceBlock,
    SourceText,
    Term,
    Text,
    Theme,
)
from studyapp.core.content.source import collapse, parse_source

__all__ = [
    "PARTS",
    "SPEAKERS",
    "Block",
    "Claim",
    "ClaimSide",
    "ContentTree",
    "Document",
    "Error",
    "FrontMatter",
    "FrontMatterError",
    "GlossaryTerm",
    "Note",
    "NoteRef",
    "PageMark",
    "Passage",
    "QuoteParagraph",
    "Segment",
    "SourceBlock",
    "SourceText",
    "Term",
    "Text",
    "Theme",
    "check_references",
    "check_tree",
    "collapse",
    "document_blocks",
    "load_tree",
    "mark_terms",
    "neighbours",
    "parse_source",
    "read_front_matter",
    "term_forms",
]
