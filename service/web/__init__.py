"""What every surface of the service stands on; it declares no blueprint.

What lives here: settings (``config``), the request's session (``sessions``), callers and
their marks (``auth``), key material (``keys``), logging (``logs``), rate limits
(``limits``), problem+json errors (``errors``), security headers (``headers``), the OpenAPI
document and its links (``openapi``, ``links``), the sign-in letters (``outbox``), the
shared request types (``types``), the pages' base (``pages``) and the ORM table list
(``tables``).

What it may import: Flask and its extensions and the domain packages; never
``service.api``, ``service.ui`` or ``service.commands`` (an import-linter contract).
"""
