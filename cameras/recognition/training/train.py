"""Train the plate recogniser (CRNN + CTC): synthetic plates mixed with real crops.

One command (from the repository root)::

    nice -n 10 python -m cameras.recognition.training.train --config full \
        --real ../shared/alpr-train/us-plates --out /tmp/plate_rec

``--config tiny`` runs a few steps on a few synthetic plates (the test suite uses it).
Everything follows ``--seed``: the synthetic plates, the seeded hold-out of the real crops
(``--val-frac`` of them, never trained on), the augmentation and the weight initialisation.
Writes ``plate_rec.onnx`` and ``plate_rec.json`` (settings, data, figures) into ``--out`` at
every evaluation (a stopped run still leaves a usable model), plus ``plate_rec.ckpt.pt``.
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

from ..platereader import ALPHABET, BLANK, IMG_H, IMG_W, MAX_LEN, decode, encode, preprocess
from .synth import augment, synth_sample


@dataclass
class Config:
    synth_pool: int = 5000  # pre-rendered synthetic plates (re-augmented cheaply each use)
    refresh: int = 6  # fresh synthetic plates rendered into the pool every step
    synth_steps: int = 1500  # synthetic-only steps first
    finetune_steps: int = 4500  # then real crops mixed in
    batch: int = 64
    lr: float = 1.5e-3
    width: int = 24
    hidden: int = 96
    real_frac: float = 0.5  # share of real crops in a fine-tuning batch
    real_aug: float = 0.6  # chance a real crop is also synthetically degraded
    val_frac: float = 0.15
    # how much looser than the crop, vertically, a training crop may be cut (a fraction of its
    # height): the detector's boxes run from 0.75x to 1.6x the labelled plate's height
    loose_y: float = 0.12
    eval_every: int = 250
    threads: int = 2


CONFIGS = {
    "full": Config(),
    "tiny": Config(
        synth_pool=32, refresh=1, synth_steps=8, finetune_steps=4, batch=8, width=4, hidden=12, eval_every=6
    ),
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


def jitter(rng: random.Random, img: np.ndarray, strength: float = 1.0, loose_y: float = 0.12) -> np.ndarray:
    """Cheap augmentation at twice the network's size: loose/tight crop, small perspective,
    contrast, blur, low resolution, noise, polarity."""
    H, W = img.shape[:2]
    j = 0.05 * strength
    src = np.float32([[0, 0], [W, 0], [W, H], [0, H]])
    # shared shift/scale (loose or tight crop) plus independent corner moves (perspective)
    sx, sy = rng.uniform(-0.04, 0.04) * W, rng.uniform(-0.08, 0.08) * H
    gx, gy = rng.uniform(-0.06, 0.06) * W, rng.uniform(-0.12, loose_y) * H
    grow = np.float32([[-gx, -gy], [gx, -gy], [gx, gy], [-gx, gy]])
    dst = (
        src
        + grow
        + np.float32([sx, sy])
        + np.float32([[rng.uniform(-j, j) * W, rng.uniform(-2 * j, 2 * j) * H] for _ in range(4)])
    )
    img = cv2.warpPerspective(
        img, cv2.getPerspectiveTransform(src, dst), (W, H), borderMode=cv2.BORDER_REPLICATE
    )
    img = cv2.convertScaleAbs(
        img, alpha=rng.uniform(1 - 0.4 * strength, 1 + 0.4 * strength), beta=rng.uniform(-40, 40) * strength
    )
    if rng.random() < 0.3 * strength:
        img = cv2.GaussianBlur(img, (3, 3), 0)
    if rng.random() < 0.3 * strength:
        s = rng.uniform(0.3, 0.8)
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


def medium(img: np.ndarray) -> np.ndarray:
    """A real crop at about 200 px wide (aspect kept), where the camera-like augmentation runs."""
    H, W = img.shape[:2]
    s = 200.0 / max(1, W)
    return cv2.resize(img, (200, max(8, int(H * s))), interpolation=cv2.INTER_AREA)


def batch_arrays(items: list[tuple[np.ndarray, str]]):
    x = np.stack([preprocess(im) for im, _ in items]).astype(np.float32)
    labels = [encode(t) for _, t in items]
    return x, labels


def evaluate(net, items, batch: int = 128) -> dict:
    import torch

    net.eval()
    correct = chars = chars_ok = 0
    confs, oks, reads = [], [], []
    with torch.no_grad():
        for b in range(0, len(items), batch):
            x, _ = batch_arrays(items[b : b + batch])
            probs = torch.softmax(net(torch.from_numpy(x)), -1).numpy()
            for p, (_, t) in zip(probs, items[b : b + batch], strict=False):
                r = decode(p)
                ok = r.plate == t
                correct += ok
                chars += len(t)
                chars_ok += (
                    sum(a == b for a, b in zip(r.plate, t, strict=False)) if len(r.plate) == len(t) else 0
                )
                confs.append(r.confidence)
                oks.append(bool(ok))
                reads.append(r.plate)
    net.train()
    n = max(1, len(items))
    return {
        "n": len(items),
        "exact": correct / n,
        "chars": chars_ok / max(1, chars),
        "conf": confs,
        "ok": oks,
        "reads": reads,
    }


def export_onnx(net, path: Path) -> None:
    import torch

    from .model import CRNNProbs

    was = net.training
    net.eval()
    torch.onnx.export(
        CRNNProbs(net),
        torch.zeros(1, 1, IMG_H, IMG_W),
        str(path),
        input_names=["image"],
        output_names=["probs"],
        dynamic_axes={"image": {0: "n"}, "probs": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    net.train(was)


def onnx_parity(net, path: Path, images: list[np.ndarray]) -> float:
    """Largest absolute difference between the exported ONNX graph (through the runtime's own
    preprocessing) and the PyTorch model on the same crops."""
    import torch

    from ..platereader import PlateReader

    net.eval()
    x = np.stack([preprocess(im) for im in images]).astype(np.float32)
    with torch.no_grad():
        ref = torch.softmax(net(torch.from_numpy(x)), -1).numpy()
    got = PlateReader(path, threads=1).probs(images)
    return float(np.abs(ref - got).max())


def train(
    cfg: Config,
    *,
    seed: int,
    real_dir: Path | None,
    out_dir: Path,
    log=print,
    budget_s: float = 0.0,
    stop_at: int | None = None,
) -> dict:
    import torch
    from torch import nn

    from .model import CRNN

    torch.set_num_threads(cfg.threads)
    torch.manual_seed(seed)
    rng = random.Random(seed)
    np.random.seed(seed)
    t_start = time.time()
    out_dir.mkdir(parents=True, exist_ok=True)

    log(f"rendering {cfg.synth_pool} synthetic plates (seed {seed})")
    # degradation strength drawn per plate (0.2-1.0): a mix of clean and hard plates gets the
    # CTC model past its all-blank plateau far sooner than hard plates only
    pool = [
        (small(im), t) for im, t in (synth_sample(rng, rng.uniform(0.2, 1.0)) for _ in range(cfg.synth_pool))
    ]
    synth_val = [(small(im), t) for im, t in (synth_sample(rng) for _ in range(max(8, cfg.synth_pool // 25)))]

    real_train: list[tuple[np.ndarray, str]] = []
    real_val: list[tuple[np.ndarray, str]] = []
    if real_dir is not None and (real_dir / "labels.csv").is_file():
        real = load_real(real_dir)
        order = list(range(len(real)))
        random.Random(seed + 1).shuffle(order)
        nv = int(round(len(real) * cfg.val_frac))
        real_val = [real[i] for i in order[:nv]]
        real_train = [(medium(real[i][0]), real[i][1]) for i in order[nv:]]
        log(f"real crops: {len(real)} ({len(order) - nv} train, {nv} validation, seed {seed + 1})")

    net = CRNN(width=cfg.width, hidden=cfg.hidden)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
    ctc = nn.CTCLoss(blank=BLANK, zero_infinity=True)
    history = []
    synth_steps, finetune_steps = cfg.synth_steps, cfg.finetune_steps if real_train else 0
    total = synth_steps + finetune_steps

    def lr_at(step: int) -> float:
        t = step / max(1, total)
        warm = 0.04
        return float(
            cfg.lr * (t / warm if t < warm else 0.5 * (1 + np.cos(np.pi * (t - warm) / (1 - warm))) + 0.01)
        )

    def checkpoint(step: int, final: bool) -> dict:
        onnx_path = out_dir / "plate_rec.onnx"
        export_onnx(net, onnx_path)
        torch.save(
            {"step": step, "model": net.state_dict(), "opt": opt.state_dict()}, out_dir / "plate_rec.ckpt.pt"
        )
        rv = evaluate(net, real_val) if real_val else None
        sv = evaluate(net, synth_val)
        probe = [im for im, _ in (real_val or synth_val)[:16]]
        card = {
            "model": f"CRNN (CNN + BiLSTM + CTC, alphabet {ALPHABET!r}, blank '_')",
            "input": f"grey {IMG_H}x{IMG_W}, per-image standardised (platereader.preprocess)",
            "blank_index": BLANK,
            "seed": seed,
            "config": asdict(
                Config(**{**asdict(cfg), "synth_steps": synth_steps, "finetune_steps": finetune_steps})
            ),
            "step": step,
            "final": final,
            "parameters": int(sum(p.numel() for p in net.parameters())),
            "onnx_bytes": onnx_path.stat().st_size,
            "onnx_max_abs_diff": onnx_parity(net, onnx_path, probe),
            "real_data": str(real_dir) if real_train else None,
            "real_train": len(real_train),
            "real_val": len(real_val),
            "real_val_exact": rv["exact"] if rv else None,
            "real_val_chars": rv["chars"] if rv else None,
            "real_val_conf": [round(c, 4) for c in rv["conf"]] if rv else [],
            "real_val_ok": rv["ok"] if rv else [],
            "synth_val_exact": sv["exact"],
            "train_seconds": round(time.time() - t_start, 1),
            "torch": torch.__version__,
            "history": history,
        }
        (out_dir / "plate_rec.json").write_text(json.dumps(card, indent=1) + "\n")
        return card

    step = 0
    card: dict = {}
    while step < total:
        if stop_at is not None and step > stop_at:
            break
        if budget_s and time.time() - t_start > budget_s:
            # out of wall-clock time: stop here (the step reached is recorded; rerun with
            # --stop-at STEP and the same step counts to reproduce these weights exactly)
            log(json.dumps({"stopped_for_time_at_step": step - 1}))
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        for _ in range(cfg.refresh):
            im, t = synth_sample(rng, rng.uniform(0.2, 1.0))
            pool[rng.randrange(len(pool))] = (small(im), t)
        finetune = step >= synth_steps
        n_real = int(cfg.batch * cfg.real_frac) if finetune else 0
        items = [rng.choice(pool) for _ in range(cfg.batch - n_real)]
        for _ in range(n_real):
            im, t = rng.choice(real_train)
            if rng.random() < cfg.real_aug:
                im = augment(rng, im, 0.7)
            items.append((small(im), t))
        items = [(jitter(rng, im, rng.uniform(0.3, 1.0), cfg.loose_y), t) for im, t in items]
        x, labels = batch_arrays(items)
        logp = torch.log_softmax(net(torch.from_numpy(x)), -1).permute(1, 0, 2)  # (T, N, C)
        targets = torch.tensor([k for lab in labels for k in lab], dtype=torch.long)
        loss = ctc(
            logp,
            targets,
            torch.full((len(labels),), logp.shape[0], dtype=torch.long),
            torch.tensor([len(lab) for lab in labels], dtype=torch.long),
        )
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 5.0)
        opt.step()
        last = step == total - 1
        if step % 50 == 0 or last:
            rec = {
                "step": step,
                "loss": round(loss.item(), 4),
                "lr": round(lr_at(step), 6),
                "elapsed_s": round(time.time() - t_start, 1),
            }
            if (step % cfg.eval_every == 0 and step) or last:
                card = checkpoint(step, last)
                rec["real_val_exact"] = card["real_val_exact"]
                rec["real_val_chars"] = card["real_val_chars"]
                rec["synth_val_exact"] = card["synth_val_exact"]
                card["history"] = history + [rec]
            history.append(rec)
            log(json.dumps(rec))
            sys.stdout.flush()
        step += 1
    card = checkpoint(step - 1, step >= total)
    log(
        f"wrote {out_dir / 'plate_rec.onnx'} ({card['onnx_bytes']} bytes); real val exact "
        f"{card['real_val_exact']}; onnx vs torch max diff {card['onnx_max_abs_diff']:.2e}"
    )
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
    ap.add_argument("--batch", type=int, default=None)
    ap.add_argument("--synth-pool", type=int, default=None)
    ap.add_argument("--loose-y", type=float, default=None, help="most vertical looseness of a training crop")
    ap.add_argument(
        "--budget-minutes",
        type=float,
        default=0.0,
        help="stop after this much wall-clock time, schedule unchanged (the card records the step reached)",
    )
    ap.add_argument(
        "--stop-at", type=int, default=None, help="stop after this step (reproduces a timed-out run)"
    )
    args = ap.parse_args(argv)
    cfg = CONFIGS[args.config]
    over = {
        k: v
        for k, v in (
            ("synth_steps", args.synth_steps),
            ("finetune_steps", args.finetune_steps),
            ("threads", args.threads),
            ("batch", args.batch),
            ("synth_pool", args.synth_pool),
            ("loose_y", args.loose_y),
        )
        if v is not None
    }
    if over:
        cfg = Config(**{**asdict(cfg), **over})
    train(
        cfg,
        seed=args.seed,
        real_dir=args.real,
        out_dir=args.out,
        budget_s=args.budget_minutes * 60.0,
        stop_at=args.stop_at,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
