"""The plate recogniser network (PyTorch): a small CRNN trained with CTC, exported to ONNX."""

from __future__ import annotations

import torch
from torch import nn

from ..platereader import ALPHABET


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class CRNN(nn.Module):
    """Grey (N, 1, 32, 128) -> logits (N, 32, classes): CNN down to one row of 32 columns, a
    bidirectional LSTM along the row, a linear classifier per column (CTC frames)."""

    def __init__(self, width: int = 24, hidden: int = 96, dropout: float = 0.2):
        super().__init__()
        w = width
        self.features = nn.Sequential(
            *_block(1, w),
            nn.MaxPool2d(2),  # 16x64
            *_block(w, 2 * w),
            nn.MaxPool2d(2),  # 8x32
            *_block(2 * w, 4 * w),
            *_block(4 * w, 4 * w),
            nn.MaxPool2d((2, 1)),  # 4x32
            *_block(4 * w, 6 * w),
            nn.MaxPool2d((2, 1)),  # 2x32
            nn.Conv2d(6 * w, 4 * hidden // 3, (2, 1), bias=False),  # 1x32
            nn.BatchNorm2d(4 * hidden // 3),
            nn.ReLU(inplace=True),
        )
        self.drop = nn.Dropout(dropout)
        self.rnn = nn.LSTM(4 * hidden // 3, hidden, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * hidden, len(ALPHABET))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x).squeeze(2).permute(0, 2, 1)  # (N, T, C)
        f, _ = self.rnn(self.drop(f))
        return self.head(self.drop(f))


class CRNNProbs(nn.Module):
    """The exported graph: per-frame softmax probabilities."""

    def __init__(self, net: CRNN):
        super().__init__()
        self.net = net

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(self.net(x), dim=-1)
