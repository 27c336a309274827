"""The API's request and response models (pydantic), one module per area.

They validate what comes in and generate ``/openapi.json``. What they may import:
``service.web.types`` (the shared strict model and id types) and the domain packages'
constants; never a blueprint.
"""
