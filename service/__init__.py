"""The web layer: the only package that imports Flask.

What lives here: the application factory, blueprints (one module each), request
validation schemas, the mapping of domain errors to RFC 9457 problems, logging, and the
``fairfile`` command line. Views stay thin: they validate, call a domain function with the
request's session, and shape the answer.

What it may import: Flask and its extensions, and every Fairfile domain package
(``consent``, ``dp``, ``scoring``, ``synthetic``, ``store``). Nothing imports ``service``.
"""

from .app import create_app as create_app
from .version import __version__ as __version__
