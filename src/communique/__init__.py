"""communique: an open archive of official statements."""

from communique.errors import CommuniqueError
from communique.model import Capture, DocType, Extraction, Source, Statement
from communique.pipeline import extract_targets, ingest, reprocess
from communique.search import export, search
from communique.settings import Settings, load_settings
from communique.store.base import Store, open_store

__all__ = [
    "Capture",
    "CommuniqueError",
    "DocType",
    "Extraction",
    "Settings",
    "Source",
    "Statement",
    "Store",
    "export",
    "extract_targets",
    "ingest",
    "load_settings",
    "open_store",
    "reprocess",
    "search",
]
