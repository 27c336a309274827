"""The web UI: server-rendered pages for the person signed in, and what they render.

What lives here: one module per page blueprint (``consents``: sign-in, enrolment and
consents; ``rights``: score, disputes, my data and erasure; ``connect``: connect data),
``templates/`` (the app's template folder, also used by the API's HTML views) and
``static/``. The pages stand on ``service.web.pages`` (guard, me, attempt, labels, CSRF).

What it may import: ``service.web``, the non-blueprint modules and schemas of
``service.api``, and the domain packages; never another blueprint module.
"""
