"""Shopify's real Admin GraphQL schema for the pinned version, built once per process."""

from __future__ import annotations

import gzip
import json
from functools import cache
from pathlib import Path

from graphql import GraphQLSchema, build_client_schema

API_VERSION = "2026-07"
VENDOR = Path(__file__).resolve().parent / "vendor"


@cache
def admin_schema(version: str = API_VERSION) -> GraphQLSchema:
    path = VENDOR / f"admin_{version}.json.gz"
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        introspection = json.load(fh)
    schema = build_client_schema(introspection["data"])
    # Shopify's schema trips graphql-core's strict interface-deprecation check; Shopify itself
    # serves it, so the check is not ours to enforce.
    schema._validation_errors = []
    return schema


def supported_versions() -> list[str]:
    return sorted(p.name[len("admin_") : -len(".json.gz")] for p in VENDOR.glob("admin_*.json.gz"))
