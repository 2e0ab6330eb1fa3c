"""Serving engines: how a replica of a deployment is started and reached.

Every engine speaks the same OpenAI-compatible HTTP protocol to the gateway:

- ``transformers``: ``python -m suanli.serving.worker`` (CPU or GPU, small models; CI and the demo);
- ``vllm``: ``vllm serve`` on GPU hosts (the optional ``vllm`` package must be installed there);
- ``external``: an OpenAI-compatible endpoint that suanli does not run (MindIE, vLLM-Ascend, another cloud).
"""

from suanli.serving.engines.base import ENGINE_NAMES, Launch, launch_for, validate_options

__all__ = ["ENGINE_NAMES", "Launch", "launch_for", "validate_options"]
