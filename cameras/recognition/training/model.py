"""The slot recogniser network (PyTorch), exported to ONNX for inference."""

from __future__ import annotations

import torch
from torch import nn

from ..platereader import ALPHABET, IMG_H, IMG_W, MAX_LEN


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class SlotNet(nn.Module):
    """CNN -> MAX_LEN independent character classifiers (reads one- and two-row plates alike)."""

    def __init__(self, width: int = 16, dropout: float = 0.3):
        super().__init__()
        w = width
        self.features = nn.Sequential(
            *_block(1, w),
            nn.MaxPool2d(2),  # 24x48
            *_block(w, 2 * w),
            nn.MaxPool2d(2),  # 12x24
            *_block(2 * w, 4 * w),
            *_block(4 * w, 4 * w),
            nn.MaxPool2d(2),  # 6x12
            *_block(4 * w, 8 * w),
            nn.MaxPool2d(2),  # 3x6
        )
        feat = 8 * w * (IMG_H // 16) * (IMG_W // 16)
        self.head = nn.Sequential(nn.Flatten(), nn.Dropout(dropout), nn.Linear(feat, MAX_LEN * len(ALPHABET)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # logits (N, MAX_LEN, C)
        return self.head(self.features(x)).view(-1, MAX_LEN, len(ALPHABET))


class SlotNetProbs(nn.Module):
    """The exported graph: softmax probabilities."""

    def __init__(self, net: SlotNet):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=-1)
