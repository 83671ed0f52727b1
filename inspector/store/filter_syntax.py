"""Filter text as words: quotes removed, every character's position kept for errors."""

from __future__ import annotations

from dataclasses import dataclass

from inspector.errors import InspectorError


class FilterError(InspectorError):
    """A filter that cannot be compiled; `position` and `length` locate the bad span."""

    exit_code = 2

    def __init__(self, message: str, position: int, length: int = 1) -> None:
        super().__init__(message)
        self.position = position
        self.length = max(1, length)


@dataclass(frozen=True)
class Word:
    """A whitespace-separated word with quotes removed, and where each character came from."""

    text: str
    offsets: tuple[int, ...]  # raw position of each character of `text`
    quoted: tuple[bool, ...]  # whether each character of `text` was inside quotes
    start: int  # raw span, quotes included
    end: int

    def span(self, begin: int, stop: int | None = None) -> tuple[int, int]:
        """Raw (position, length) of text[begin:stop], for error messages."""
        stop = len(self.text) if stop is None else stop
        if begin >= len(self.text):
            return self.end - 1, 1
        first = self.offsets[begin]
        last = self.offsets[max(begin, stop - 1)] if stop > begin else first
        return first, last - first + 1

    @property
    def is_operator_or(self) -> bool:
        return self.text == "OR" and not any(self.quoted)


def words(text: str) -> list[Word]:
    words: list[Word] = []
    i, size = 0, len(text)
    while i < size:
        if text[i].isspace():
            i += 1
            continue
        start = i
        chars: list[str] = []
        offsets: list[int] = []
        quoted: list[bool] = []
        in_quotes = False
        quote_at = -1
        while i < size and (in_quotes or not text[i].isspace()):
            char = text[i]
            if char == '"' and in_quotes and text[i + 1 : i + 2] == '"':
                # Doubled inside quotes: one literal quote, as in SQL and CSV (`"say ""hi"""`).
                chars.append(char)
                offsets.append(i)
                quoted.append(True)
                i += 2
                continue
            if char == '"':
                in_quotes = not in_quotes
                quote_at = i
            else:
                chars.append(char)
                offsets.append(i)
                quoted.append(in_quotes)
            i += 1
        if in_quotes:
            raise FilterError(
                f'Unclosed quote at position {quote_at}: add the closing " or remove it',
                quote_at,
            )
        words.append(Word("".join(chars), tuple(offsets), tuple(quoted), start, i))
    return words


def quote_value(value: str) -> str:
    """`value` written so that `words` reads it back as it is: the printer of this syntax.

    Plain when nothing in it is special; otherwise in double quotes, with each quote doubled.
    """
    if value and value != "OR" and not any(ch.isspace() or ch in '"()' for ch in value):
        return value
    return '"' + value.replace('"', '""') + '"'


def check_characters(text: str) -> None:
    for index, char in enumerate(text):
        if char == "\x00" or 0xD800 <= ord(char) <= 0xDFFF:
            raise FilterError(f"Character {char!r} at position {index} cannot be searched", index)


@dataclass(frozen=True)
class Token:
    """A term, `OR`, or a parenthesis (`-(` opens a negated group)."""

    kind: str  # "term", "or", "open" or "close"
    position: int
    word: Word | None = None  # the term's word
    negated: bool = False  # an "open" written as "-("


def _slice(word: Word, begin: int, end: int) -> Word:
    return Word(
        word.text[begin:end],
        word.offsets[begin:end],
        word.quoted[begin:end],
        word.offsets[begin],
        word.offsets[end - 1] + 1,
    )


def _bare(word: Word, index: int, char: str) -> bool:
    return 0 <= index < len(word.text) and word.text[index] == char and not word.quoted[index]


def tokens(text: str) -> list[Token]:
    """Words split into terms, OR and parentheses; quoted parentheses are plain text."""
    result: list[Token] = []
    for word in words(text):
        begin, end = 0, len(word.text)
        while True:
            if _bare(word, begin, "("):
                result.append(Token("open", word.offsets[begin]))
                begin += 1
            elif _bare(word, begin, "-") and _bare(word, begin + 1, "("):
                result.append(Token("open", word.offsets[begin], negated=True))
                begin += 2
            else:
                break
        closes: list[Token] = []
        while end > begin and _bare(word, end - 1, ")"):
            end -= 1
            closes.append(Token("close", word.offsets[end]))
        if end > begin or not word.text:  # `""` stays a (bad) term so its error can say so
            part = word if (begin, end) == (0, len(word.text)) else _slice(word, begin, end)
            kind = "or" if part.is_operator_or else "term"
            result.append(Token(kind, part.start, part))
        result.extend(reversed(closes))
    return result
