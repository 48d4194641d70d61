"""Load `content/` into a ContentTree and check it, reporting every problem as `file:line: message`."""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from studyapp.core.content.frontmatter import FrontMatter, FrontMatterError, read_front_matter
from studyapp.core.content.model import (
    Claim,
    ClaimSide,
    ContentTree,
    Document,
    Error,
    GlossaryTerm,
    Passage,
    QuoteParagraph,
    SourceText,
    Theme,
)
from studyapp.core.content.source import collapse, diagnose, find_all, parse_source

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
PASSAGE_FILE = re.compile(r"^(\d+)-(.+)\.md$")
#: The parts and speakers a passage may name, unless its document.md lists its own.
PARTS = ("memorandum", "letter", "notes")
SPEAKERS = ("Haig", "Brezhnev", "Dobrynin as reported by Haig", "FRUS editors")
QUESTIONS_MIN, QUESTIONS_MAX = 2, 4
CONTEXT, QUESTIONS = "Context", "Guiding questions"
NUMBERED_ITEM = re.compile(r"^\s{0,3}\d+[.)]\s+(.*)$")
SECTION = re.compile(r"^##\s+(.*?)\s*#*\s*$")

DOCUMENT_FIELDS = {
    "id": True,
    "title": True,
    "short_title": False,
    "date": True,
    "first_page": True,
    "url": True,
    "citation": True,
    "order": True,
    "parts": False,
    "speakers": False,
}
PASSAGE_FIELDS = {
    "id": True,
    "title": True,
    "part": True,
    "speaker": True,
    "pages": True,
    "themes": True,
    "glossary": False,
}
THEME_FIELDS = {"id": True, "title": True, "order": True}
GLOSSARY_FIELDS = {"id": True, "term": True, "match": False, "source": True}
CLAIM_FIELDS = {"id": True, "title": True, "order": True, "themes": True, "haig": True, "letter": True}
CLAIM_SIDE_FIELDS = ("passage", "quote")


def load_tree(content_dir: str | Path) -> tuple[ContentTree, list[Error]]:
    """Read every document folder under `content_dir` and check the whole tree.

    `content_dir` itself is the first document's folder; each immediate sub-folder holding a
    `document.md` is one more. Returns what could be loaded and every problem found, sorted by
    file and line; the tree is only fit to load into the database when the list is empty.
    """
    return _TreeLoader(Path(content_dir)).run()


def check_tree(content_dir: str | Path) -> list[Error]:
    """Return every problem in the content tree under `content_dir`."""
    return load_tree(content_dir)[1]


def check_references(
    tree: ContentTree, references: Iterable[tuple[str, int, str]], kind: str = "passage"
) -> list[Error]:
    """Check ids that other files (question banks, quizzes) use: each `(file, line, id)` must name
    a known passage (or theme, glossary term, claim or document, as `kind` says)."""
    known: dict[str, Iterable[str]] = {
        "passage": tree.passages,
        "theme": tree.themes,
        "glossary": tree.glossary,
        "claim": tree.claims,
        "document": [d.id for d in tree.documents],
    }
    ids = list(known[kind])
    return [
        Error(file, line, f"unknown {_KIND_NAMES[kind]} '{ref}'{_did_you_mean(ref, ids)}")
        for file, line, ref in references
        if ref not in ids
    ]


_KIND_NAMES = {
    "passage": "passage",
    "theme": "theme",
    "glossary": "glossary term",
    "claim": "claim",
    "document": "document",
}


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- fields -------------------------------------------------------------------------------------


class _Fields:
    """Typed access to front-matter fields; each problem becomes an Error at the field's line."""

    def __init__(self, fm: FrontMatter, file: str, errors: list[Error], spec: dict[str, bool]) -> None:
        self.fm, self.file, self.errors, self.data = fm, file, errors, fm.metadata
        for key in fm.metadata:
            if key not in spec:
                self.error(
                    fm.line(key), f"unknown field '{key}'{_did_you_mean(key, spec)} (expected: {', '.join(spec)})"
                )
        for key, required in spec.items():
            if required and key not in fm.metadata:
                self.error(1, f"missing field '{key}'")

    def error(self, line: int, message: str) -> None:
        self.errors.append(Error(self.file, line, message))

    def text(self, key: str, default: str = "") -> str:
        value = self.data.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or not value.strip():
            self.error(self.fm.line(key), f"field '{key}' must be non-empty text (put it in quotes)")
            return default
        return value.strip()

    def slug(self, key: str) -> str:
        value = self.text(key)
        if value and not SLUG.match(value):
            self.error(self.fm.line(key), f"'{value}' is not a valid id: use lowercase letters, digits and hyphens")
        return value

    def integer(self, key: str, default: int = 0) -> int:
        value = self.data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(self.fm.line(key), f"field '{key}' must be a whole number")
            return default
        return value

    def text_list(self, key: str) -> list[str]:
        """A list of text items; a single item may be written without brackets."""
        value = self.data.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        out: list[str] = []
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item.strip():
                line = self.fm.line(key, i) if isinstance(value, list) else self.fm.line(key)
                self.error(line, f"field '{key}': every item must be non-empty text")
            else:
                out.append(item.strip())
        return out

    def int_list(self, key: str) -> list[int]:
        value = self.data.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        if not items or any(isinstance(i, bool) or not isinstance(i, int) for i in items):
            self.error(self.fm.line(key), f"field '{key}' must be a whole number or a list of them")
            return []
        return list(items)

    def line(self, *path: str | int) -> int:
        return self.fm.line(*path)


# --- the loader ---------------------------------------------------------------------------------


@dataclass
class _Folder:
    path: Path
    document: Document | None = None
    passages: list[Passage] = field(default_factory=list)
    #: For each passage: the words of its quote with the file line of each.
    quote_words: dict[str, list[tuple[str, int]]] = field(default_factory=dict)
    #: Whether a passage file could not be read or placed; then gaps in the coverage are its
    #: consequence, not news, and are not reported.
    incomplete: bool = False


class _TreeLoader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.errors: list[Error] = []
        self.passages: dict[str, Passage] = {}
        self.themes: dict[str, Theme] = {}
        self.glossary: dict[str, GlossaryTerm] = {}
        self.claims: dict[str, Claim] = {}
        self.documents: dict[str, Document] = {}
        #: (kind, id) -> (file, line) of its first definition.
        self.defined: dict[tuple[str, str], tuple[str, int]] = {}
        #: (kind, id) of files that could not be read, their id guessed from the file name:
        #: a reference to one of them is not reported as unknown, the file's own error says it all.
        self.broken: set[tuple[str, str]] = set()
        self.references: list[tuple[str, str, int, str]] = []  # kind, file, line, id

    def run(self) -> tuple[ContentTree, list[Error]]:
        if not self.root.is_dir():
            self.errors.append(Error(str(self.root), 1, "content folder not found"))
            return ContentTree([], {}, {}, {}, {}), self.errors
        folders = [_Folder(self.root)] + [
            _Folder(p) for p in sorted(self.root.iterdir()) if p.is_dir() and (p / "document.md").is_file()
        ]
        for folder in folders:
            self.read_folder(folder)
        self.check_references()
        self.check_glossary_forms()
        for folder in folders:
            self.check_quotes(folder)
        self.check_claims()
        documents = sorted(self.documents.values(), key=lambda d: (d.order, d.id))
        tree = ContentTree(documents, self.passages, self.themes, self.glossary, self.claims)
        return tree, sorted(set(self.errors), key=lambda e: (e.file, e.line, e.message))

    # -- reading --

    def read(self, path: Path) -> FrontMatter | None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.errors.append(Error(str(path), 1, f"not UTF-8 text ({exc.reason})"))
            return None
        try:
            return read_front_matter(text, str(path))
        except FrontMatterError as exc:
            self.errors.append(exc.error)
            return None

    def define(self, kind: str, ident: str, file: str, line: int) -> bool:
        """Record an id; report it if the kind already has it anywhere in the tree."""
        if not ident:
            return False
        first = self.defined.get((kind, ident))
        if first is not None:
            self.errors.append(
                Error(file, line, f"duplicate {_KIND_NAMES[kind]} id '{ident}': already used by {first[0]}:{first[1]}")
            )
            return False
        self.defined[(kind, ident)] = (file, line)
        return True

    def markdown_files(self, folder: Path) -> list[Path]:
        return sorted(p for p in folder.glob("*.md") if p.is_file()) if folder.is_dir() else []

    def read_folder(self, folder: _Folder) -> None:
        doc_path = folder.path / "document.md"
        if not doc_path.is_file():
            self.errors.append(Error(str(doc_path), 1, "missing document.md: every document folder needs one"))
        else:
            folder.document = self.read_document(doc_path)
        doc_id = folder.document.id if folder.document else ""
        for path in self.markdown_files(folder.path / "themes"):
            if not self.read_theme(path, doc_id):
                self.broken.add(("theme", path.stem))
        for path in self.markdown_files(folder.path / "glossary"):
            if not self.read_term(path, doc_id):
                self.broken.add(("glossary", path.stem))
        numbered: list[tuple[int, str, Passage]] = []
        for path in self.markdown_files(folder.path / "passages"):
            passage = self.read_passage(path, doc_id, folder)
            if passage is None:
                folder.incomplete = True
                match = PASSAGE_FILE.match(path.name)
                self.broken.add(("passage", match.group(2) if match else path.stem))
            else:
                match = PASSAGE_FILE.match(path.name)
                numbered.append((int(match.group(1)) if match else 10**9, path.name, passage))
        for order, (_, _, passage) in enumerate(sorted(numbered, key=lambda n: (n[0], n[1])), start=1):
            passage.order = order
            folder.passages.append(passage)
        if folder.document is not None:
            folder.document.passages = folder.passages
        for path in self.markdown_files(folder.path / "claims"):
            self.read_claim(path, doc_id)

    def read_document(self, path: Path) -> Document | None:
        fm = self.read(path)
        if fm is None:
            return None
        f = _Fields(fm, str(path), self.errors, DOCUMENT_FIELDS)
        ident = f.slug("id")
        date = fm.metadata.get("date", "")
        if not isinstance(date, (datetime.date, str)) or date == "":
            f.error(f.line("date"), "field 'date' must be a date (YYYY-MM-DD)")
        first_page = f.integer("first_page", 1)
        source_path = path.parent / "source.txt"
        if not source_path.is_file():
            f.error(1, f"missing {source_path}: the document's full text")
            source = parse_source("", first_page)
        else:
            source = parse_source(source_path.read_text(encoding="utf-8"), first_page)
        title = f.text("title")
        document = Document(
            id=ident,
            title=title,
            short_title=f.text("short_title", title),
            date=date,
            first_page=first_page,
            url=f.text("url"),
            citation=collapse(f.text("citation")),
            order=f.integer("order"),
            introduction=fm.body.strip(),
            parts=(f.text_list("parts") or list(PARTS)) if "parts" in fm.metadata else list(PARTS),
            speakers=(f.text_list("speakers") or list(SPEAKERS)) if "speakers" in fm.metadata else list(SPEAKERS),
            source=source,
            folder=str(path.parent),
            file=str(path),
        )
        if document.url and not document.url.startswith(("https://", "http://")):
            f.error(f.line("url"), "field 'url' must be an http(s) address")
        if self.define("document", ident, str(path), f.line("id")):
            self.documents[ident] = document
        return document if ident else None

    def read_theme(self, path: Path, doc_id: str) -> bool:
        fm = self.read(path)
        if fm is None:
            return False
        f = _Fields(fm, str(path), self.errors, THEME_FIELDS)
        ident = f.slug("id")
        self.check_file_name(f, path.stem, ident, f"{ident}.md")
        description = fm.body.strip()
        if not description:
            f.error(fm.body_line, "a theme needs a short description after its front matter")
        theme = Theme(ident, f.text("title"), f.integer("order"), description, str(path), f.line("id"), doc_id)
        if self.define("theme", ident, str(path), f.line("id")):
            self.themes[ident] = theme
        return True

    def read_term(self, path: Path, doc_id: str) -> bool:
        fm = self.read(path)
        if fm is None:
            return False
        f = _Fields(fm, str(path), self.errors, GLOSSARY_FIELDS)
        ident = f.slug("id")
        self.check_file_name(f, path.stem, ident, f"{ident}.md")
        term = f.text("term")
        forms = f.text_list("match") if "match" in fm.metadata else ([term] if term else [])
        definition = fm.body.strip()
        if not definition:
            f.error(fm.body_line, "a glossary term needs a definition after its front matter")
        entry = GlossaryTerm(ident, term, forms, f.text("source"), definition, str(path), f.line("id"), doc_id)
        if self.define("glossary", ident, str(path), f.line("id")):
            self.glossary[ident] = entry
        return True

    def read_passage(self, path: Path, doc_id: str, folder: _Folder) -> Passage | None:
        fm = self.read(path)
        if fm is None:
            return None
        file = str(path)
        f = _Fields(fm, file, self.errors, PASSAGE_FIELDS)
        ident = f.slug("id")
        match = PASSAGE_FILE.match(path.name)
        if not match:
            f.error(f.line("id"), f"file name must be NN-{ident or '<id>'}.md (NN orders the passages)")
        else:
            self.check_file_name(f, match.group(2), ident, f"{match.group(1)}-{ident}.md")
        parts = folder.document.parts if folder.document else list(PARTS)
        allowed_speakers = folder.document.speakers if folder.document else list(SPEAKERS)
        part = f.text("part")
        if part and part not in parts:
            f.error(f.line("part"), f"part '{part}' must be one of: {', '.join(parts)}")
        speakers = f.text_list("speaker")
        if "speaker" in fm.metadata and not speakers:
            f.error(f.line("speaker"), "field 'speaker' needs at least one speaker")
        for i, speaker in enumerate(speakers):
            if speaker not in allowed_speakers:
                line = f.line("speaker", i) if isinstance(fm.metadata.get("speaker"), list) else f.line("speaker")
                f.error(line, f"speaker '{speaker}' must be one of: {', '.join(allowed_speakers)}")
        pages = f.int_list("pages")
        themes = f.text_list("themes")
        if "themes" in fm.metadata and not themes:
            f.error(f.line("themes"), "field 'themes' needs at least one theme")
        glossary = f.text_list("glossary")
        for key, kind, ids in (("themes", "theme", themes), ("glossary", "glossary", glossary)):
            is_list = isinstance(fm.metadata.get(key), list)
            for i, ref in enumerate(ids):
                self.references.append((kind, file, f.line(key, i) if is_list else f.line(key), ref))
        body = _parse_passage_body(fm.body, fm.body_line, file, self.errors)
        lines = {key: fm.line(key) for key in fm.metadata}
        passage = Passage(
            id=ident,
            title=f.text("title"),
            part=part,
            speakers=speakers,
            pages=pages,
            themes=themes,
            glossary=glossary,
            quote=" ".join(w for w, _ in body.words),
            quote_paragraphs=[],
            context=body.context,
            questions=body.questions,
            file=file,
            lines=lines,
            quote_line=body.quote_line,
            order=0,
            document_id=doc_id,
        )
        if not self.define("passage", ident, file, f.line("id")):
            return None
        self.passages[ident] = passage
        folder.quote_words[ident] = body.words
        return passage

    def read_claim(self, path: Path, doc_id: str) -> None:
        fm = self.read(path)
        if fm is None:
            return
        file = str(path)
        f = _Fields(fm, file, self.errors, CLAIM_FIELDS)
        ident = f.slug("id")
        self.check_file_name(f, path.stem, ident, f"{ident}.md")
        themes = f.text_list("themes")
        is_list = isinstance(fm.metadata.get("themes"), list)
        for i, ref in enumerate(themes):
            self.references.append(("theme", file, f.line("themes", i) if is_list else f.line("themes"), ref))
        sides: dict[str, ClaimSide] = {}
        for key in ("haig", "letter"):
            value: Any = fm.metadata.get(key)
            sides[key] = ClaimSide("", "", f.line(key))
            if value is None:
                continue
            if not isinstance(value, dict):
                f.error(f.line(key), f"field '{key}' must hold 'passage:' and 'quote:' lines")
                continue
            for sub in value:
                if sub not in CLAIM_SIDE_FIELDS:
                    f.error(f.line(key, sub), f"unknown field '{key}.{sub}' (expected: passage, quote)")
            texts = {}
            for sub in CLAIM_SIDE_FIELDS:
                item = value.get(sub)
                if item is None:
                    f.error(f.line(key), f"missing field '{key}.{sub}'")
                elif not isinstance(item, str) or not item.strip():
                    f.error(f.line(key, sub), f"field '{key}.{sub}' must be non-empty text")
                else:
                    texts[sub] = item
            sides[key] = ClaimSide(
                texts.get("passage", "").strip(), collapse(texts.get("quote", "")), f.line(key, "quote")
            )
            if texts.get("passage"):
                self.references.append(("passage", file, f.line(key, "passage"), sides[key].passage))
        prompt = fm.body.strip()
        if not prompt:
            f.error(fm.body_line, "a claim needs a prompt after its front matter: ask how fair the summary is")
        claim = Claim(
            ident,
            f.text("title"),
            f.integer("order"),
            themes,
            sides["haig"],
            sides["letter"],
            prompt,
            file,
            f.line("id"),
            doc_id,
        )
        if self.define("claim", ident, file, f.line("id")):
            self.claims[ident] = claim

    def check_file_name(self, f: _Fields, name_id: str, ident: str, expected: str) -> None:
        if ident and name_id != ident:
            f.error(f.line("id"), f"file name does not match the id: expected {expected}")

    # -- cross-checks --

    def check_references(self) -> None:
        known: dict[str, Mapping[str, object]] = {
            "theme": self.themes,
            "glossary": self.glossary,
            "passage": self.passages,
        }
        for kind, file, line, ref in self.references:
            if ref not in known[kind] and (kind, ref) not in self.broken:
                self.errors.append(
                    Error(file, line, f"unknown {_KIND_NAMES[kind]} '{ref}'{_did_you_mean(ref, known[kind])}")
                )

    def check_glossary_forms(self) -> None:
        owner: dict[str, str] = {}
        for term in self.glossary.values():
            for form in term.match:
                if form in owner and owner[form] != term.id:
                    self.errors.append(
                        Error(
                            term.file, term.line, f"match form '{form}' is also a form of glossary term '{owner[form]}'"
                        )
                    )
                owner.setdefault(form, term.id)

    def check_quotes(self, folder: _Folder) -> None:
        """Find each quote in the source: verbatim, in order, on the pages it claims; then
        check that the passages together quote every paragraph."""
        document = folder.document
        if document is None:
            return
        source = document.source
        covered = bytearray(len(source.text))
        previous: Passage | None = None
        for passage in folder.passages:
            words = folder.quote_words.get(passage.id, [])
            if not words or not self.locate(passage, words, source, previous):
                folder.incomplete = True
                continue
            covered[passage.start : passage.end] = b"\x01" * (passage.end - passage.start)
            expected = list(source.pages_of(passage.start, passage.end))
            if passage.pages and sorted(set(passage.pages)) != expected:
                self.errors.append(
                    Error(
                        passage.file,
                        passage.lines.get("pages", 1),
                        f"pages {passage.pages} do not match the text: the quote is printed on {_pages(expected)}",
                    )
                )
            passage.quote_paragraphs = [
                QuoteParagraph(b.index, b.line, b.kind, source.segments(b, passage.start, passage.end))
                for b in source.blocks_between(passage.start, passage.end)
            ]
            for block in source.blocks_between(passage.start, passage.end):
                document.coverage.setdefault(block.index, []).append(passage.id)
            previous = passage
        if not folder.incomplete:
            self.check_coverage(document, source, covered)

    def locate(
        self, passage: Passage, words: list[tuple[str, int]], source: SourceText, previous: Passage | None
    ) -> bool:
        """Set the passage's place in the source, or report how its quote differs or is out of order."""
        plain = [w for w, _ in words]
        found = find_all(source.text, passage.quote)
        name = Path(document_source_file(passage)).name
        if not found:
            if passage.quote in source.text:
                self.errors.append(
                    Error(passage.file, passage.quote_line, f"quote starts or ends in the middle of a word of {name}")
                )
                return False
            miss = diagnose(source.text, plain)
            index = min(miss.word, len(words) - 1)
            word, line = words[index]
            if miss.source_word is None and index == 0:
                message = f'quote is not verbatim in {name}: its first word "{word}" does not occur there'
            elif miss.source_word is None:
                message = f'quote is not verbatim in {name}: "{word}" where the source text ends'
            else:
                message = f'quote is not verbatim in {name}: "{word}" where the source has "{miss.source_word}"'
            self.errors.append(Error(passage.file, line, message))
            return False
        after = previous.start if previous is not None else -1
        start = next((o for o in found if o > after), found[0])
        passage.start, passage.end = start, start + len(passage.quote)
        if previous is not None and start <= previous.start:
            here, there = source.block_at(start).line, source.block_at(previous.start).line
            self.errors.append(
                Error(
                    passage.file,
                    passage.quote_line,
                    f"passage is out of source order: its quote (from {name} line {here}) comes "
                    f"before that of {Path(previous.file).name} (line {there}); renumber the files",
                )
            )
        return True

    def check_coverage(self, document: Document, source: SourceText, covered: bytearray) -> None:
        name = str(Path(document.folder) / "source.txt")
        for block in source.blocks:
            if block.kind == "page":
                continue
            wanted = [
                i
                for i in range(block.start, block.end)
                if not source.text[i].isspace()
                and not source.in_marker(i)
                and not (block.ref_start is not None and i >= block.ref_start)
            ]
            missing = [i for i in wanted if not covered[i]]
            if not missing:
                continue
            if len(missing) == len(wanted):
                self.errors.append(
                    Error(name, block.line, f'paragraph not quoted by any passage: "{_excerpt(block.text)}"')
                )
            else:
                gaps = set(missing)
                run_end = missing[0]
                while run_end + 1 < block.end and (run_end + 1 in gaps or source.text[run_end + 1].isspace()):
                    run_end += 1
                self.errors.append(
                    Error(
                        name,
                        block.line,
                        f"part of this paragraph is not quoted by any passage: "
                        f'"{_excerpt(source.text[missing[0] : run_end + 1])}"',
                    )
                )

    def check_claims(self) -> None:
        for claim in self.claims.values():
            for side in (claim.haig, claim.letter):
                passage = self.passages.get(side.passage)
                if passage is None or not side.quote or passage.start < 0:
                    continue  # an unknown or misquoted passage is reported already
                if find_all(passage.quote, side.quote):
                    continue
                words = side.quote.split(" ")
                miss = diagnose(passage.quote, words)
                word = words[min(miss.word, len(words) - 1)]
                where = f' where the passage has "{miss.source_word}"' if miss.source_word else ""
                self.errors.append(
                    Error(claim.file, side.line, f"quote is not in passage '{passage.id}': \"{word}\"{where}")
                )


def document_source_file(passage: Passage) -> str:
    return str(Path(passage.file).parent.parent / "source.txt")


def _pages(pages: list[int]) -> str:
    return "page " + str(pages[0]) if len(pages) == 1 else "pages " + ", ".join(map(str, pages))


def _excerpt(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


# --- the body of a passage ----------------------------------------------------------------------


@dataclass
class _PassageBody:
    words: list[tuple[str, int]]
    quote_line: int
    context: str
    questions: list[str]


def _parse_passage_body(body: str, body_line: int, file: str, errors: list[Error]) -> _PassageBody:
    """Split a passage body into its quote (with the file line of each word), context and questions."""
    lines = body.splitlines()
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    quote_line = body_line + i
    words: list[tuple[str, int]] = []
    while i < len(lines) and lines[i].lstrip().startswith(">"):
        content = lines[i].lstrip()[1:]
        words.extend((w, body_line + i) for w in content.split())
        i += 1
    if not words:
        errors.append(Error(file, quote_line, "no quote: the passage must open with its quote as '> ' lines"))

    sections: dict[str, tuple[int, list[str]]] = {}
    current: str | None = None
    for j in range(i, len(lines)):
        line_no, text = body_line + j, lines[j]
        heading = SECTION.match(text)
        if heading:
            current = heading.group(1)
            if current not in (CONTEXT, QUESTIONS):
                errors.append(
                    Error(
                        file, line_no, f"unknown section '## {current}' (expected '## {CONTEXT}' and '## {QUESTIONS}')"
                    )
                )
            elif current in sections:
                errors.append(Error(file, line_no, f"section '## {current}' repeats line {sections[current][0]}"))
            else:
                sections[current] = (line_no, [])
            continue
        if current is None:
            if text.strip():
                errors.append(
                    Error(
                        file,
                        line_no,
                        f"text between the quote and '## {CONTEXT}': editorial text belongs under '## {CONTEXT}'",
                    )
                )
                current = ""  # report once
            continue
        if current in sections and sections[current][0] <= line_no:
            sections[current][1].append(text)

    end_line = body_line + max(len(lines) - 1, 0)
    context = ""
    if CONTEXT not in sections:
        errors.append(Error(file, end_line, f"missing section '## {CONTEXT}' (the editorial note)"))
    else:
        context = "\n".join(sections[CONTEXT][1]).strip()
        if not context:
            errors.append(Error(file, sections[CONTEXT][0], f"section '## {CONTEXT}' is empty"))
    questions: list[str] = []
    if QUESTIONS not in sections:
        errors.append(Error(file, end_line, f"missing section '## {QUESTIONS}'"))
    else:
        questions = _numbered_items(sections[QUESTIONS][1])
        if not QUESTIONS_MIN <= len(questions) <= QUESTIONS_MAX:
            errors.append(
                Error(
                    file,
                    sections[QUESTIONS][0],
                    f"{len(questions)} guiding question(s): write {QUESTIONS_MIN} to {QUESTIONS_MAX}, "
                    f"as a numbered list",
                )
            )
    return _PassageBody(words, quote_line, context, questions)


def _numbered_items(lines: list[str]) -> list[str]:
    """Return the text of each item of a numbered Markdown list (continuation lines joined)."""
    items: list[list[str]] = []
    for line in lines:
        match = NUMBERED_ITEM.match(line)
        if match:
            items.append([match.group(1).strip()])
        elif items and line.strip():
            items[-1].append(line.strip())
    return [" ".join(item) for item in items]
