"""Every GraphQL document Relay sends is valid against Shopify's real 2026-07 Admin schema."""

from pathlib import Path

import pytest
from graphql import parse, validate

from devstore.schema import admin_schema
from integrations.shopify_admin.client import document as assembled

QUERIES = Path(__file__).resolve().parents[2] / "integrations" / "shopify_admin" / "queries"
DOCUMENTS = sorted(QUERIES.glob("*.graphql"))


def test_there_are_documents_to_check():
    assert len(DOCUMENTS) >= 5


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_is_valid_on_shopify(path):
    document = parse(assembled(path.stem))  # with the fragments it spreads
    assert validate(admin_schema(), document) == []
    operations = [d.name.value for d in document.definitions if d.kind == "operation_definition"]
    assert operations == [path.stem], "one operation per file, named like the file"


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_stays_under_shopifys_single_query_cost_limit(path):
    """Shopify refuses any query whose requested cost exceeds 1,000 points (MAX_COST_EXCEEDED).
    Page sizes passed as $first are at most 25 for order pages (gateway/orders.py)."""
    from devstore.cost import requested_cost

    document = parse(assembled(path.stem))
    cost = requested_cost(admin_schema(), document, {"first": 25}, path.stem)
    assert 0 < cost <= 1000


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.stem)
def test_document_reads_no_deprecated_field(path):
    """Issue 14: Customer.email, ShopPlan.displayName and the like are deprecated in 2026-07."""
    from graphql import TypeInfo, TypeInfoVisitor, Visitor, visit

    schema = admin_schema()
    type_info = TypeInfo(schema)
    deprecated = []

    class FindDeprecated(Visitor):
        def enter_field(self, node, *_):
            field = type_info.get_field_def()
            if field is not None and field.deprecation_reason:
                parent = type_info.get_parent_type()
                deprecated.append(f"{parent}.{node.name.value}: {field.deprecation_reason}")

    visit(parse(assembled(path.stem)), TypeInfoVisitor(type_info, FindDeprecated()))
    assert deprecated == []
