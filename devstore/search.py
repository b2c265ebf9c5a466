"""Shopify's search syntax for `query:` arguments: terms joined by implicit AND, `AND`, `OR`,
negated by `NOT` or a leading `-`, grouped with parentheses.

Only the connectives live here; what one `field:value` term means for a document is the
caller's (`resolvers.order_search.order_matches` for orders), so each resource keeps its own
fields.
AND binds tighter than OR, as on Shopify: `a OR b c` is `a OR (b AND c)`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# A term is a quoted value, a field:value pair whose value may be quoted, or a bare word.
_TOKEN = re.compile(r"""\s*(\(|\)|"[^"]*"|'[^']*'|[^\s()"']+(?:"[^"]*"|'[^']*')?)""")


_SINGLE = re.compile(r"'([^']*)'")


def tokens(query: str) -> list[str]:
    out, position = [], 0
    while position < len(query):
        match = _TOKEN.match(query, position)
        if not match or not match.group(1):
            break
        out.append(match.group(1))
        position = match.end()
    return out


def matches(doc: dict, query: str | None, term_matches: Callable[[dict, str], bool]) -> bool:
    """Does `doc` satisfy `query`? `term_matches(doc, "field:value")` decides one term."""
    if not query or not query.strip():
        return True
    # Single and double quotes are equivalent on Shopify; the term matchers expect double.
    parser = _Parser(tokens(query), lambda term: term_matches(doc, _SINGLE.sub(r'"\1"', term)))
    return parser.parse()


class _Parser:
    """Recursive descent: or := and ("OR" and)* ; and := unary (["AND"] unary)* ;
    unary := ("NOT" | "-") unary | "(" or ")" | term."""

    def __init__(self, items: list[str], term: Callable[[str], bool]):
        self.items = items
        self.position = 0
        self.term = term

    def parse(self) -> bool:
        if not self.items:
            return True
        return self._or()

    def _peek(self) -> str | None:
        return self.items[self.position] if self.position < len(self.items) else None

    def _take(self) -> str:
        token = self.items[self.position]
        self.position += 1
        return token

    def _or(self) -> bool:
        result = self._and()
        while self._peek() == "OR":
            self._take()
            right = self._and()
            result = result or right
        return result

    def _and(self) -> bool:
        result = self._unary()
        while self._peek() not in (None, ")", "OR"):
            if self._peek() == "AND":
                self._take()
                continue
            right = self._unary()
            result = result and right
        return result

    def _unary(self) -> bool:
        token = self._peek()
        if token is None:
            return True
        if token == "NOT":
            self._take()
            return not self._unary()
        if token == "(":
            self._take()
            result = self._or() if self._peek() != ")" else True
            if self._peek() == ")":
                self._take()
            return result
        self._take()
        if token.startswith("-") and len(token) > 1:
            return not self.term(token[1:])
        return self.term(token)
