"""Views of devstore documents, one module per resource (see devstore.resolvers)."""
