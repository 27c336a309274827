"""The JSON API: one module per blueprint, and the answers more than one surface gives.

What lives here: a module per blueprint (``consents``, ``transparency``, ``facts``,
``rights``, ``erasure``, ``contract``, ``stats``, ``models_api``, ``decisions``,
``lender``, ``lender_models``, ``health``); the request and response models in
``schemas/``; and, in modules that declare no blueprint, what several routes answer with:
the export document (``export``), a decision as its person sees it (``shown``), a DP
release and the release record (``releases``), what follows an erasure (``erased``), and
connecting one bank's data, which the bank-data door, a lender's connection and the
connect page share (``connecting``), with the connect page's uploaded file read as the
door's body (``bank_files``).

What it may import: ``service.web`` and the domain packages. A blueprint module never
imports another blueprint module (``tests/test_architecture.py``); the pages
(``service.ui``) may use this package's non-blueprint modules and schemas.
"""
