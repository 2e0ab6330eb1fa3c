"""An OpenAI-compatible worker: one model folder served with ``transformers`` on CPU or GPU.

``python -m suanli.serving.worker --model DIR --port P``. Routes: ``POST /v1/chat/completions``,
``POST /v1/completions`` (both streamed as server-sent events when asked), ``GET /v1/models`` and
``GET /health`` (``{"status": "ok", "in_flight": n}``, which the deployment controller reads to drain).
"""
