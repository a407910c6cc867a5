"""A training step of real models, converted to actlab vs the originals, timed side by side.

    python benchmarks/models.py                     # every model, 2 threads, 10 interleaved rounds
    python benchmarks/models.py bert resnet --threads 1 --repeats 20 --json models.json

Models (random weights, no download): Hugging Face transformers BERT (gelu), GPT-2 (gelu_new),
LLaMA (silu) built from small configs (4 layers, width 256, batch 8 x 128 tokens); a ResNet-style
CNN (ReLU, batch 16 x 3 x 64 x 64); an EfficientNet-style net of MBConv blocks with
squeeze-excitation (SiLU, Sigmoid). One step = forward, cross-entropy or MSE loss, backward, SGD
update. The original and ``actlab.convert(original)`` (same weights) alternate round by round;
medians are printed with the number of activations swapped and the ratio actlab / torch: the
median of the per-round ratios (paired), and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch import Tensor, nn

import actlab

Step = Callable[[nn.Module], Tensor]


def _transformers_models() -> dict[str, tuple[Callable[[], nn.Module], Step]]:
    try:
        import transformers as T
    except ImportError:
        return {}
    ids = torch.randint(0, 1000, (8, 128), generator=torch.Generator().manual_seed(0))

    def lm_loss(model: nn.Module) -> Tensor:
        return model(input_ids=ids, labels=ids).loss

    def bert_loss(model: nn.Module) -> Tensor:
        return model(input_ids=ids).last_hidden_state.square().mean()

    width = {"hidden_size": 256, "num_hidden_layers": 4, "num_attention_heads": 4, "intermediate_size": 1024}
    return {
        "bert": (lambda: T.BertModel(T.BertConfig(vocab_size=1000, **width)), bert_loss),
        "gpt2": (
            lambda: T.GPT2LMHeadModel(
                T.GPT2Config(
                    vocab_size=1000, n_embd=256, n_layer=4, n_head=4, n_positions=128, bos_token_id=0, eos_token_id=0
                )
            ),
            lm_loss,
        ),
        "llama": (
            lambda: T.LlamaForCausalLM(T.LlamaConfig(vocab_size=1000, num_key_value_heads=4, **width)),
            lm_loss,
        ),
    }


class Residual(nn.Module):
    def __init__(self, c: int):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True),
            nn.Conv2d(c, c, 3, padding=1, bias=False), nn.BatchNorm2d(c),
        )  # fmt: skip
        self.act = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.act(x + self.body(x))


def resnet() -> nn.Module:
    layers: list[nn.Module] = [nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(inplace=True)]
    for c_in, c in ((32, 32), (32, 64), (64, 128)):
        if c != c_in:
            layers += [nn.Conv2d(c_in, c, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(c), nn.ReLU(inplace=True)]
        layers += [Residual(c), Residual(c)]
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))


class MBConv(nn.Module):
    """Inverted residual with squeeze-excitation (EfficientNet): expand, depthwise, SE, project."""

    def __init__(self, c: int, expand: int = 4):
        super().__init__()
        h = c * expand
        self.expand = nn.Sequential(nn.Conv2d(c, h, 1, bias=False), nn.BatchNorm2d(h), nn.SiLU())
        self.depthwise = nn.Sequential(
            nn.Conv2d(h, h, 3, padding=1, groups=h, bias=False), nn.BatchNorm2d(h), nn.SiLU()
        )
        self.se = nn.Sequential(
            nn.AdaptiveAvgPool2d(1), nn.Conv2d(h, c // 4, 1), nn.SiLU(), nn.Conv2d(c // 4, h, 1), nn.Sigmoid()
        )
        self.project = nn.Sequential(nn.Conv2d(h, c, 1, bias=False), nn.BatchNorm2d(c))

    def forward(self, x: Tensor) -> Tensor:
        h = self.depthwise(self.expand(x))
        return x + self.project(h * self.se(h))


def efficientnet() -> nn.Module:
    stem = [nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.SiLU()]
    blocks = [MBConv(32) for _ in range(4)]
    return nn.Sequential(*stem, *blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10))


def _vision(build: Callable[[], nn.Module]) -> tuple[Callable[[], nn.Module], Step]:
    x = torch.randn(16, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 10, (16,), generator=torch.Generator().manual_seed(1))
    return build, lambda model: nn.functional.cross_entropy(model(x), y)


def models() -> dict[str, tuple[Callable[[], nn.Module], Step]]:
    return {**_transformers_models(), "resnet": _vision(resnet), "efficientnet": _vision(efficientnet)}


def time_steps(original: nn.Module, converted: nn.Module, loss: Step, repeats: int) -> dict[str, list[float]]:
    """Alternate one training step of each (SGD, lr 1e-4) for ``repeats`` rounds after 2 warm-ups."""
    opts = {k: torch.optim.SGD(m.parameters(), lr=1e-4) for k, m in (("torch", original), ("actlab", converted))}
    nets = {"torch": original, "actlab": converted}
    times: dict[str, list[float]] = {"torch": [], "actlab": []}
    for r in range(repeats + 2):
        for k in ("torch", "actlab") if r % 2 == 0 else ("actlab", "torch"):
            t = time.perf_counter()
            opts[k].zero_grad(set_to_none=True)
            loss(nets[k]).backward()
            opts[k].step()
            if r >= 2:
                times[k].append((time.perf_counter() - t) * 1e3)
    return times


def paired_ratio(times: dict[str, list[float]]) -> float:
    """The median over rounds of actlab's step / torch's step in the same round: the two run back
    to back, so a drift of the machine's speed between rounds cancels (the ratio of the two
    medians does not)."""
    return statistics.median(a / t for a, t in zip(times["actlab"], times["torch"]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="models (default: all)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    table = models()
    names = args.names or list(table)
    unknown = [n for n in names if n not in table]
    if unknown:
        print(f"error: unknown model(s) {unknown}; known: {list(table)}", file=sys.stderr)
        return 2
    print(f"torch {torch.__version__}, {args.threads} threads, native kernels {actlab.native.loaded()}, "
          f"{args.repeats} rounds; ms per training step (median, p10-p90)")  # fmt: skip
    results = []
    for name in names:
        build, loss = table[name]
        torch.manual_seed(0)
        original = build().train()
        converted, report = actlab.convert(copy.deepcopy(original), return_report=True)
        times = time_steps(original, converted, loss, args.repeats)
        med = {k: statistics.median(v) for k, v in times.items()}
        spread = {k: (sorted(v)[len(v) // 10], sorted(v)[-1 - len(v) // 10]) for k, v in times.items()}
        ratio = paired_ratio(times)
        swapped = dict(report.counts())
        results.append({"model": name, "ms": med, "spread": spread, "ratio": ratio,
                        "ratio_of_medians": med["actlab"] / med["torch"], "swapped": swapped,
                        "left": report.skipped})  # fmt: skip
        cells = "  ".join(f"{k} {med[k]:8.1f} ({spread[k][0]:.0f}-{spread[k][1]:.0f})" for k in ("torch", "actlab"))
        left = f"  left {report.skipped}" if report.skipped else ""
        print(f"{name:<14} {cells}  ratio {ratio:.3f} (of medians {med['actlab'] / med['torch']:.3f})  "
              f"swapped {swapped}{left}")  # fmt: skip
    if args.json:
        Path(args.json).write_text(
            json.dumps({"threads": args.threads, "repeats": args.repeats, "results": results}, indent=1)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
