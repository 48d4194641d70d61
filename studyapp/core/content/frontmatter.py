"""YAML front matter between two `---` lines, with the file line of every field and item."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml

from studyapp.core.content.model import Error

FENCE = "---"


class FrontMatterError(ValueError):
    """The front matter is missing, unclosed or not valid YAML; `error` says where."""

    def __init__(self, error: Error) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True)
class FrontMatter:
    """A file's metadata, its body, and where each of them sits in the file."""

    metadata: dict[str, Any]
    body: str
    #: File line of the body's first line (1-based).
    body_line: int
    #: The composed YAML tree, kept for the line numbers of fields and list items.
    node: yaml.MappingNode
    #: File line of the first YAML line (the one after the opening `---`).
    first_line: int = 2

    def __iter__(self) -> Iterator[dict[str, Any] | str | int]:
        """Unpack as `(metadata, body, body_line)`."""
        return iter((self.metadata, self.body, self.body_line))

    def line(self, *path: str | int) -> int:
        """Return the file line of a field (`"themes"`), a list item (`"themes", 2`) or a nested
        field (`"haig", "quote"`); the nearest existing ancestor's line when the path stops short."""
        node: yaml.Node = self.node
        line = self.first_line - 1  # the opening fence
        for key in path:
            child: yaml.Node | None = None
            if isinstance(node, yaml.MappingNode) and isinstance(key, str):
                for key_node, value_node in node.value:
                    if key_node.value == key:
                        line = self.first_line + key_node.start_mark.line
                        child = value_node
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
                child = node.value[key]
                line = self.first_line + child.start_mark.line
            if child is None:
                break
            node = child
        return line


def read_front_matter(text: str, file: str) -> FrontMatter:
    """Split a Markdown file into its YAML front matter and its body.

    Raises FrontMatterError with the file and line of the problem: a missing opening or
    closing `---`, YAML that does not parse (at the YAML error mark), a repeated field, or
    front matter that is not a mapping of fields.
    """
    lines = text.removeprefix("\ufeff").splitlines()
    if not lines or lines[0].rstrip() != FENCE:
        raise FrontMatterError(Error(file, 1, "malformed front matter: the file must start with a '---' line"))
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE)
    except StopIteration:
        raise FrontMatterError(
            Error(file, 1, "malformed front matter: the '---' on line 1 is never closed by another '---' line")
        ) from None
    yaml_text = "\n".join(lines[1:close]) + "\n"
    loader = yaml.SafeLoader(yaml_text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise FrontMatterError(Error(file, 2, "malformed front matter: it is empty"))
        if not isinstance(node, yaml.MappingNode):
            raise FrontMatterError(
                Error(file, 2 + node.start_mark.line, "malformed front matter: expected 'field: value' lines")
            )
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            line = 2 + key_node.start_mark.line
            if not isinstance(key_node, yaml.ScalarNode):
                raise FrontMatterError(Error(file, line, "malformed front matter: a field name must be plain text"))
            if key_node.value in seen:
                raise FrontMatterError(
                    Error(
                        file,
                        line,
                        f"malformed front matter: field '{key_node.value}' repeats line {seen[key_node.value]}",
                    )
                )
            seen[key_node.value] = line
        metadata = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = 2 + mark.line if mark is not None else 1
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise FrontMatterError(Error(file, line, f"malformed front matter: {problem}")) from None
    except yaml.YAMLError as exc:
        raise FrontMatterError(Error(file, 2, f"malformed front matter: {exc}")) from None
    finally:
        loader.dispose()
    if not all(isinstance(k, str) for k in metadata):
        raise FrontMatterError(Error(file, 2, "malformed front matter: field names must be text"))
    body = "\n".join(lines[close + 1 :])
    return FrontMatter(metadata=metadata, body=body, body_line=close + 2, node=node)
