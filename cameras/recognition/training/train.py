"""Train the plate-specific recogniser: synthetic plates, then fine-tuning on real crops.

One command (from the repository root)::

    nice -n 15 python -m cameras.recognition.training.train --config full \
        --real ../shared/alpr-train/us-plates --out cameras/recognition/models

``--config tiny`` runs a few steps on a few synthetic plates (the test suite uses it).
Everything follows ``--seed``: the synthetic plates, the seeded hold-out of the real crops
(``--val-frac`` of them, never trained on), the augmentation and the weight initialisation.
Writes ``plate_rec.onnx`` and ``plate_rec.json`` (settings, data, figures) into ``--out``.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from ..platereader import ALPHABET, IMG_H, IMG_W, MAX_LEN, PAD, decode, encode, preprocess
from .synth import augment, synth_sample


@dataclass
class Config:
    synth_pool: int = 2500  # pre-rendered synthetic plates (re-augmented cheaply each use)
    synth_steps: int = 250
    finetune_steps: int = 450
    batch: int = 48
    lr: float = 2e-3
    width: int = 16
    real_frac: float = 0.75  # share of real crops in a fine-tuning batch
    val_frac: float = 0.15
    threads: int = 2


CONFIGS = {
    "full": Config(),
    "tiny": Config(synth_pool=48, synth_steps=12, finetune_steps=2, batch=8, width=4),
}


def load_real(folder: Path) -> list[tuple[np.ndarray, str]]:
    out = []
    with open(folder / "labels.csv", newline="") as f:
        for row in csv.reader(f):
            if len(row) < 3:
                continue
            text = "".join(c for c in row[2].upper() if c.isalnum())
            img = cv2.imread(str(folder / row[0]))
            if img is None or not text or len(text) > MAX_LEN:
                continue
            out.append((img, text))
    return out


def jitter(rng: random.Random, img: np.ndarray, strength: float) -> np.ndarray:
    """Cheap augmentation at the network's size: crop shift/scale, small perspective, contrast,
    blur, noise, polarity (for already pre-rendered or real crops)."""
    H, W = img.shape[:2]
    j = 0.06 * strength
    src = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
    dst = src + np.float32([[rng.uniform(-j, j) * W, rng.uniform(-j * 2, j * 2) * H] for _ in range(4)])
    img = cv2.warpPerspective(
        img, cv2.getPerspectiveTransform(src, dst), (W, H), borderMode=cv2.BORDER_REPLICATE
    )
    img = cv2.convertScaleAbs(
        img, alpha=rng.uniform(1 - 0.4 * strength, 1 + 0.4 * strength), beta=rng.uniform(-40, 40) * strength
    )
    if rng.random() < 0.3 * strength:
        img = cv2.GaussianBlur(img, (3, 3), 0)
    if rng.random() < 0.3 * strength:
        s = rng.uniform(0.35, 0.8)
        img = cv2.resize(cv2.resize(img, (max(8, int(W * s)), max(4, int(H * s)))), (W, H))
    if rng.random() < 0.05 * strength:
        img = 255 - img
    if rng.random() < 0.4 * strength:
        img = np.clip(
            img.astype(np.float32) + np.random.default_rng(rng.randint(0, 2**31)).normal(0, 6, img.shape),
            0,
            255,
        ).astype(np.uint8)
    return img


def small(img: np.ndarray) -> np.ndarray:
    """Grey uint8 at twice the network size (headroom for jitter before the final resize)."""
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) if img.ndim == 3 else img
    return cv2.resize(g, (IMG_W * 2, IMG_H * 2), interpolation=cv2.INTER_AREA)


def batch_arrays(items: list[tuple[np.ndarray, str]]):
    x = np.stack([preprocess(im) for im, _ in items]).astype(np.float32)
    y = np.array([encode(t) for _, t in items], dtype=np.int64)
    return x, y


def evaluate(net, items, batch: int = 128) -> dict:
    import torch

    net.eval()
    correct = 0
    confs, oks = [], []
    with torch.no_grad():
        for b in range(0, len(items), batch):
            x, _ = batch_arrays(items[b : b + batch])
            probs = torch.softmax(net(torch.from_numpy(x)), -1).numpy()
            for p, (_, t) in zip(probs, items[b : b + batch], strict=False):
                r = decode(p)
                ok = r.plate == t
                correct += ok
                confs.append(r.confidence)
                oks.append(bool(ok))
    net.train()
    return {"n": len(items), "exact": correct / max(1, len(items)), "conf": confs, "ok": oks}


PROBE_STEPS = 10


def train(
    cfg: Config, *, seed: int, real_dir: Path | None, out_dir: Path, log=print, budget_s: float = 0.0
) -> dict:
    import torch
    from torch import nn

    from .model import SlotNet, SlotNetProbs

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    np.random.seed(seed)
    t_start = time.time()

    log(f"rendering {cfg.synth_pool} synthetic plates (seed {seed})")
    pool = []
    for _ in range(cfg.synth_pool):
        im, t = synth_sample(rng)
        pool.append((small(im), t))
    synth_val = [(small(im), t) for im, t in (synth_sample(rng) for _ in range(max(8, cfg.synth_pool // 20)))]

    real_train: list[tuple[np.ndarray, str]] = []
    real_val: list[tuple[np.ndarray, str]] = []
    if real_dir is not None and (real_dir / "labels.csv").is_file():
        real = load_real(real_dir)
        order = list(range(len(real)))
        random.Random(seed + 1).shuffle(order)
        nv = int(round(len(real) * cfg.val_frac))
        real_val = [(small(real[i][0]), real[i][1]) for i in order[:nv]]
        real_train = [(small(real[i][0]), real[i][1]) for i in order[nv:]]
        # a second view of each training crop, synthetically degraded (night, glare, low-res, dirt)
        real_train += [(small(augment(rng, real[i][0], 0.6)), real[i][1]) for i in order[nv:]]
        log(f"real crops: {len(real)} ({len(order) - nv} train, {nv} validation, seed {seed + 1})")

    net = SlotNet(width=cfg.width)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
    lossf = nn.CrossEntropyLoss(label_smoothing=0.05)
    history = []
    synth_steps, finetune_steps = cfg.synth_steps, cfg.finetune_steps if real_train else 0
    total = synth_steps + finetune_steps

    def lr_at(step: int) -> float:
        if step < PROBE_STEPS:
            return cfg.lr * 0.1
        t = (step - PROBE_STEPS) / max(1, total - PROBE_STEPS)
        warm = 0.1
        return cfg.lr * (t / warm if t < warm else 0.5 * (1 + np.cos(np.pi * (t - warm) / (1 - warm))) + 0.01)

    step = 0
    t_train = time.time()
    while step < total:
        if budget_s and step == PROBE_STEPS:
            # fit the step counts to the time left (recorded in the card: pass them back as
            # --synth-steps/--finetune-steps to reproduce this run exactly)
            per_step = (time.time() - t_train) / PROBE_STEPS
            left = max(0.0, budget_s - (time.time() - t_start) - 60.0)
            fit = max(2 * PROBE_STEPS, int(left / per_step) + PROBE_STEPS)
            share = cfg.synth_steps / max(1, cfg.synth_steps + cfg.finetune_steps) if real_train else 1.0
            synth_steps = max(PROBE_STEPS, int(fit * share))
            finetune_steps = fit - synth_steps if real_train else 0
            total = synth_steps + finetune_steps
            log(
                json.dumps(
                    {
                        "budget_fit": {
                            "synth_steps": synth_steps,
                            "finetune_steps": finetune_steps,
                            "s_per_step": round(per_step, 2),
                        }
                    }
                )
            )
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        finetune = step >= synth_steps
        n_real = int(cfg.batch * cfg.real_frac) if finetune else 0
        items = [rng.choice(pool) for _ in range(cfg.batch - n_real)] + [
            rng.choice(real_train) for _ in range(n_real)
        ]
        items = [(jitter(rng, im, 1.0), t) for im, t in items]
        x, y = batch_arrays(items)
        logits = net(torch.from_numpy(x))
        loss = lossf(logits.reshape(-1, len(ALPHABET)), torch.from_numpy(y).reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
        if step % 25 == 0 or step == total - 1:
            rec = {"step": step, "loss": round(loss.item(), 4), "elapsed_s": round(time.time() - t_start, 1)}
            if step % 100 == 0 or step == total - 1:
                if real_val:
                    rec["real_val_exact"] = round(evaluate(net, real_val)["exact"], 4)
                rec["synth_val_exact"] = round(evaluate(net, synth_val)["exact"], 4)
            history.append(rec)
            log(json.dumps(rec))
            sys.stdout.flush()
        step += 1
    cfg = Config(**{**asdict(cfg), "synth_steps": synth_steps, "finetune_steps": finetune_steps})

    net.eval()
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / "plate_rec.onnx"
    dummy = torch.zeros(1, 1, IMG_H, IMG_W)
    torch.onnx.export(
        SlotNetProbs(net),
        dummy,
        str(onnx_path),
        input_names=["image"],
        output_names=["probs"],
        dynamic_axes={"image": {0: "n"}, "probs": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    rv = evaluate(net, real_val) if real_val else None
    sv = evaluate(net, synth_val)
    card = {
        "model": f"SlotNet (CNN, {MAX_LEN} character slots, alphabet {ALPHABET!r})",
        "input": f"grey {IMG_H}x{IMG_W}, scaled to [-1, 1]",
        "pad_index": PAD,
        "seed": seed,
        "config": asdict(cfg),
        "parameters": int(sum(p.numel() for p in net.parameters())),
        "onnx_bytes": onnx_path.stat().st_size,
        "real_data": str(real_dir) if real_train else None,
        "real_train": len(real_train) // 2 if real_train else 0,
        "real_val": len(real_val),
        "real_val_exact": rv["exact"] if rv else None,
        "real_val_conf": [round(c, 4) for c in rv["conf"]] if rv else [],
        "real_val_ok": rv["ok"] if rv else [],
        "synth_val_exact": sv["exact"],
        "train_seconds": round(time.time() - t_start, 1),
        "torch": torch.__version__,
        "history": history,
    }
    (out_dir / "plate_rec.json").write_text(json.dumps(card, indent=1) + "\n")
    log(f"wrote {onnx_path} ({card['onnx_bytes']} bytes); real val exact {card['real_val_exact']}")
    return card


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--config", choices=sorted(CONFIGS), default="full")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument(
        "--real", type=Path, default=None, help="folder with labels.csv and crops (none: synthetic only)"
    )
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--synth-steps", type=int, default=None)
    ap.add_argument("--finetune-steps", type=int, default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument(
        "--budget-minutes",
        type=float,
        default=0.0,
        help="fit the step counts to this wall-clock budget (the card records the counts used)",
    )
    args = ap.parse_args(argv)
    cfg = CONFIGS[args.config]
    over = {
        k: v
        for k, v in (
            ("synth_steps", args.synth_steps),
            ("finetune_steps", args.finetune_steps),
            ("threads", args.threads),
        )
        if v is not None
    }
    if over:
        cfg = Config(**{**asdict(cfg), **over})
    train(cfg, seed=args.seed, real_dir=args.real, out_dir=args.out, budget_s=args.budget_minutes * 60.0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
