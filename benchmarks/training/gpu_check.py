"""tinygpt on a GPU: training speed against the CPU, exact resume after SIGKILL and SIGTERM, serving.

    PYTHONPATH=src python benchmarks/training/gpu_check.py [--out DIR]

Needs a CUDA device (run it on a machine that has one); writes ``gpu_check.md`` into ``--out``
(default ``benchmarks/training/results``). What it runs, each through ``python -m
suanli.training.tinygpt`` as a job would:

1. the same model and data on ``cuda`` and on ``cpu`` (all cores), tokens per second;
2. on ``cuda``: an unbroken run against one killed (SIGKILL) after a step, restarted, preempted
   (SIGTERM) and restarted again: same losses at every logged step, same final weights?
3. the exported model folder loaded with transformers on ``cuda``: greedy generation, and its logits
   against the same model on the CPU.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

MODEL = ["--layers", "6", "--width", "384", "--context", "256", "--batch-size", "32", "--lr", "1e-3"]


def trainer(args: list[str], **env: str) -> tuple[int, list[dict[str, Any]], str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("SUANLI_")}
    e.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **env})
    proc = subprocess.run([sys.executable, "-m", "suanli.training.tinygpt", *args], env=e,
                          capture_output=True, text=True, timeout=600)
    events = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    return proc.returncode, events, proc.stderr


def losses(events: list[dict[str, Any]]) -> dict[int, float]:
    return {int(e["step"]): float(e["loss"]) for e in events if e["event"] == "step"}


def speed(events: list[dict[str, Any]]) -> float:
    rates = [float(e["tokens_per_s"]) for e in events if e["event"] == "step" and int(e["step"]) > 20]
    return statistics.median(rates)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "results")
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--device", default="cuda", help="cuda (the check); cpu only to try the script")
    parser.add_argument("--model", default=" ".join(MODEL), help="tinygpt's model flags")
    args = parser.parse_args()
    import torch
    from safetensors.torch import load_file

    dev = args.device
    model = args.model.split()
    assert dev == "cpu" or torch.cuda.is_available(), "no CUDA device: run this where there is one"
    name = torch.cuda.get_device_name(0) if dev != "cpu" else "none (a trial on the CPU)"
    lines = ["# tinygpt on a GPU", "", f"GPU: {name}; torch {torch.__version__}; "
             f"{os.cpu_count()} CPU cores. Command: `PYTHONPATH=src python benchmarks/training/gpu_check.py`.",
             f"Model flags: `{args.model}`; data: the standard library's docstrings "
             "(`suanli.training.tinygpt.demo_data`).", ""]
    with tempfile.TemporaryDirectory() as tmp_:
        tmp = Path(tmp_)
        data = tmp / "docs.jsonl"
        subprocess.run([sys.executable, "-m", "suanli.training.tinygpt.demo_data", str(data)], check=True)

        rows = []
        runs: dict[str, list[dict[str, Any]]] = {}
        for device, steps, threads in ((dev, args.steps, 1), ("cpu", 60, os.cpu_count() or 1)):
            rc, ev, err = trainer(["--data", str(data), "--out", str(tmp / f"m-{device}"), "--steps", str(steps),
                                   "--device", device, "--threads", str(threads), "--log-every", "10", *model])
            assert rc == 0, err
            runs[device] = ev
            start = next(e for e in ev if e["event"] == "start")
            ls = losses(ev)
            rows.append(f"| {device} | {threads} | {start['parameters']:,} | {steps} | {ls[1]:.3f} → "
                        f"{ls[steps]:.3f} | {speed(ev):,.0f} |")
            print(rows[-1], flush=True)
        lines += ["## Training speed", "",
                  "| device | CPU threads | parameters | steps | loss (first → last) | tokens/s (median, steps > 20) |",
                  "|---|---|---|---|---|---|", *rows, "",
                  f"GPU / CPU: {speed(runs[dev]) / speed(runs['cpu']):.1f}×.", ""]

        common = ["--data", str(data), "--steps", "60", "--checkpoint-every", "20", "--device", dev,
                  "--log-every", "1", *model]
        rc, straight, err = trainer([*common, "--out", str(tmp / "a"), "--checkpoint-dir", str(tmp / "ca")])
        assert rc == 0, err
        ck = {"SUANLI_CHECKPOINT_DIR": str(tmp / "cb")}
        rc1, first, _ = trainer([*common, "--out", str(tmp / "b")], **ck, SUANLI_TINYGPT_FAULT_AT_STEP="33")
        rc2, second, _ = trainer([*common, "--out", str(tmp / "b")], **ck, SUANLI_RESTART_COUNT="1",
                                 SUANLI_TINYGPT_FAULT_AT_STEP="45:TERM")
        rc3, third, err = trainer([*common, "--out", str(tmp / "b")], **ck, SUANLI_RESTART_COUNT="2")
        assert rc3 == 0, err
        want = losses(straight)
        got = {**losses(first), **losses(second), **losses(third)}
        differing = [s for s in want if got.get(s) != want[s]]
        a = load_file(str(tmp / "a" / "model.safetensors"))
        b = load_file(str(tmp / "b" / "model.safetensors"))
        max_diff = max(float((a[k].float() - b[k].float()).abs().max()) for k in a)
        resumed = [e for e in second + third if e["event"] == "resumed"]
        lines += ["## Resume on the GPU", "",
                  f"60 steps, checkpoint every 20. Killed with SIGKILL after step 33 (exit {rc1}), restarted "
                  f"and preempted with SIGTERM after step 45 (exit {rc2}, checkpoint written then), restarted "
                  f"(exit {rc3}). Resumed from steps {[e['step'] for e in resumed]}.",
                  "",
                  f"- logged losses equal to the unbroken run's at {len(want) - len(differing)} of {len(want)} "
                  f"steps{'' if not differing else f' (first differing: step {differing[0]})'};",
                  f"- final weights: {'bitwise equal' if max_diff == 0 else f'largest difference {max_diff:.3g}'}"
                  f" ({len(a)} tensors).", ""]
        print(lines[-3:], flush=True)

        from transformers import AutoTokenizer, GPT2LMHeadModel

        folder = tmp / f"m-{dev}"
        tok = AutoTokenizer.from_pretrained(folder)
        gpu = GPT2LMHeadModel.from_pretrained(folder).to(dev).eval()
        cpu = GPT2LMHeadModel.from_pretrained(folder).eval()
        prompt = "Return the"
        ids = tok(prompt, return_tensors="pt").input_ids
        with torch.no_grad():
            out = gpu.generate(ids.to(dev), max_new_tokens=24, do_sample=False)
            logit_diff = float((gpu(ids.to(dev)).logits.cpu() - cpu(ids).logits).abs().max())
            cpu_out = cpu.generate(ids, max_new_tokens=24, do_sample=False)
        text = tok.decode(out[0])
        lines += ["## The exported model on the GPU", "",
                  f"Greedy continuation of `{prompt}` on {dev}: `{text!r}`; same tokens as on the CPU: "
                  f"{bool(torch.equal(out[0].cpu(), cpu_out[0]))}; largest logit difference GPU vs CPU "
                  f"{logit_diff:.2e}.", ""]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "gpu_check.md").write_text("\n".join(lines), "utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
