"""The web layer: the only package that imports Flask.

What lives here, by surface: ``web/`` (what every surface stands on: settings, sessions,
auth, keys, logs, limits, errors, headers, OpenAPI, links, outbox, shared types, the table
list), ``api/`` (one module per JSON blueprint, with ``api/schemas/``), ``ui/`` (the pages,
their templates and static files) and ``commands/`` (one module per CLI group); at the top
the application factory (``app``), the ``fairfile`` command line (``cli``), the server
(``serve``) and the version. No blueprint module imports another. Views stay thin: they
validate, call a domain function with the request's session, and shape the answer.

What it may import: Flask and its extensions, and every Fairfile domain package
(``consent``, ``dp``, ``scoring``, ``synthetic``, ``store``). Nothing imports ``service``.
"""

from .app import create_app as create_app
from .version import __version__ as __version__
