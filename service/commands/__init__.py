"""Command groups of the ``fairfile`` CLI, one module per capability."""
