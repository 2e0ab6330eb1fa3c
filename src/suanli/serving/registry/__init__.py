"""Model registry: tenants' models and their immutable Hugging Face format versions."""

from suanli.serving.registry.metadata import ModelFacts, inspect_model_dir
from suanli.serving.registry.storage import MAX_CHUNK_BYTES, MAX_FILES, MAX_VERSION_BYTES, version_dir

__all__ = ["MAX_CHUNK_BYTES", "MAX_FILES", "MAX_VERSION_BYTES", "ModelFacts", "inspect_model_dir", "version_dir"]
