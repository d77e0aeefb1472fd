#!/usr/bin/env python3
"""The PyTorch side of the checkpoint round trip (run by hand; CI never needs torch).

A model with Embedding, LSTM, MultiheadAttention, LayerNorm and BatchNorm1d (and a Linear head),
the twin of `RoundTripNet` in Tests/NNTests/RoundTripTests.swift:

    python3 Scripts/roundtrip_pytorch.py            # writes the fixtures below
    python3 Scripts/roundtrip_pytorch.py --check    # loads OUR checkpoint strictly in PyTorch

Without arguments it trains the model a few steps (so the running statistics are not their
defaults), saves its state_dict with safetensors.torch to
Tests/NNTests/Fixtures/nn/roundtrip_pytorch.safetensors, and the tokens and evaluation-mode
output to roundtrip_io.safetensors. The Swift test loads that checkpoint strictly, checks the
outputs, and saves its own checkpoint, which must be byte-identical to the committed
roundtrip_swift.safetensors. With --check, this script loads roundtrip_swift.safetensors with
load_state_dict(strict=True) into a fresh PyTorch model and checks that it gives the same
evaluation outputs (to 1e-6).
"""
import os
import sys

import torch
import torch.nn as nn
from safetensors.torch import load_file, save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DIR = os.path.join(ROOT, "Tests", "NNTests", "Fixtures", "nn")


class RoundTripNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = nn.Embedding(20, 8, padding_idx=0)
        self.lstm = nn.LSTM(8, 8, batch_first=True)
        self.attention = nn.MultiheadAttention(8, 2, batch_first=True)
        self.norm = nn.LayerNorm(8)
        self.bn = nn.BatchNorm1d(8)
        self.head = nn.Linear(8, 5)

    def forward(self, tokens):
        x = self.embedding(tokens)
        x, _ = self.lstm(x)
        a, _ = self.attention(x, x, x, need_weights=False)
        x = self.norm(x + a).mean(1)
        return self.head(self.bn(x))


def main():
    if "--check" in sys.argv:
        model = RoundTripNet()
        ours = load_file(os.path.join(DIR, "roundtrip_swift.safetensors"))
        model.load_state_dict(ours, strict=True)
        io = load_file(os.path.join(DIR, "roundtrip_io.safetensors"))
        model.eval()
        with torch.no_grad():
            y = model(io["tokens"])
        worst = (y - io["eval"]).abs().max().item()
        print(f"our checkpoint loads strictly in PyTorch; worst output difference {worst:.3g}")
        assert worst < 1e-6
        return
    torch.manual_seed(3)
    model = RoundTripNet()
    tokens = torch.randint(0, 20, (4, 6))
    tokens[0, 4:] = 0  # padding
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(3):
        optimizer.zero_grad()
        model(tokens).pow(2).mean().backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        y = model(tokens)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              os.path.join(DIR, "roundtrip_pytorch.safetensors"))
    save_file({"tokens": tokens, "eval": y}, os.path.join(DIR, "roundtrip_io.safetensors"))
    print("wrote roundtrip_pytorch.safetensors and roundtrip_io.safetensors;",
          "run the Swift tests, then this script with --check")


main()
