"""`N_`: marks an English text of the API contract for the translation catalogue.

The contract (`openapi.json`) is English, so its summaries and descriptions stay English in the
code and in the document; marking them lets `scripts/translations` extract them, and the API
reference page show them in Dutch through the catalogue. The marker itself is the domain's.
"""
from ..domain.findings import N_

__all__ = ["N_"]
