#!/usr/bin/env python3
"""Generates PyTorch fixtures for Conv1d, ConvTranspose2d, RNN, LSTM, GRU, their cells,
MultiheadAttention, scaled_dot_product_attention and TransformerEncoderLayer (run by hand; CI never needs torch).

For each case, in float32 with PyTorch's initialisation under a seed, it saves the state_dict
(`<case>.init.<key>`), the inputs (`<case>.in.<name>`; masks as int64 0/1), the outputs
(`<case>.out.<i>`), a random cotangent per output (`<case>.c.<i>`), and the gradients of
sum_i (out_i * c_i).sum() with respect to every floating input (`<case>.grad.in.<name>`) and
parameter (`<case>.grad.<key>`). Writes Tests/NNTests/Fixtures/nn/recurrent_attention.safetensors.

    pip install torch safetensors
    python3 Scripts/make_recurrent_attention_fixtures.py
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "NNTests", "Fixtures", "nn", "recurrent_attention.safetensors")
torch.manual_seed(5)
out = {}


def record(name, layer, inputs, call):
    """`inputs` is a list of (name, tensor); `call(layer, *tensors)` returns a list of outputs."""
    if layer is not None:
        for key, t in layer.state_dict().items():
            out[f"{name}.init.{key}"] = t.clone()
    leaves = []
    for key, t in inputs:
        if t.dtype.is_floating_point:
            leaf = t.clone().requires_grad_(True)
        else:
            leaf = t
        leaves.append(leaf)
        out[f"{name}.in.{key}"] = t.long() if t.dtype == torch.bool else t
    ys = call(layer, *leaves)
    total = 0
    for i, y in enumerate(ys):
        c = torch.randn_like(y)
        out[f"{name}.out.{i}"] = y.detach()
        out[f"{name}.c.{i}"] = c
        total = total + (y * c).sum()
    total.backward()
    for (key, _), leaf in zip(inputs, leaves):
        if leaf.dtype.is_floating_point:
            out[f"{name}.grad.in.{key}"] = leaf.grad
    if layer is not None:
        for key, p in layer.named_parameters():
            out[f"{name}.grad.{key}"] = p.grad if p.grad is not None else torch.zeros_like(p)


r = torch.randn
record("conv1d", nn.Conv1d(3, 4, 3, stride=2, padding=1), [("x", r(2, 3, 9))], lambda m, x: [m(x)])
record("convt", nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1, output_padding=1),
       [("x", r(2, 3, 4, 5))], lambda m, x: [m(x)])
record("rnn", nn.RNN(3, 4, num_layers=2), [("x", r(5, 2, 3)), ("h0", r(2, 2, 4))],
       lambda m, x, h: list(m(x, h)))
record("rnn_relu_bi", nn.RNN(3, 4, nonlinearity="relu", bidirectional=True, batch_first=True),
       [("x", r(2, 5, 3))], lambda m, x: list(m(x)))
record("lstm", nn.LSTM(3, 4, num_layers=2, bidirectional=True),
       [("x", r(5, 2, 3)), ("h0", r(4, 2, 4)), ("c0", r(4, 2, 4))],
       lambda m, x, h, c: (lambda o: [o[0], o[1][0], o[1][1]])(m(x, (h, c))))
record("lstm_unbatched", nn.LSTM(3, 4), [("x", r(5, 3))],
       lambda m, x: (lambda o: [o[0], o[1][0], o[1][1]])(m(x)))
record("gru", nn.GRU(3, 4, num_layers=2, batch_first=True), [("x", r(2, 5, 3)), ("h0", r(2, 2, 4))],
       lambda m, x, h: list(m(x, h)))
record("rnncell", nn.RNNCell(3, 4), [("x", r(2, 3)), ("h0", r(2, 4))], lambda m, x, h: [m(x, h)])
record("grucell", nn.GRUCell(3, 4), [("x", r(2, 3)), ("h0", r(2, 4))], lambda m, x, h: [m(x, h)])
record("lstmcell", nn.LSTMCell(3, 4), [("x", r(2, 3)), ("h0", r(2, 4)), ("c0", r(2, 4))],
       lambda m, x, h, c: list(m(x, (h, c))))


def randomise_mha(m):
    with torch.no_grad():
        m.in_proj_bias.copy_(torch.randn_like(m.in_proj_bias) * 0.3)
        m.out_proj.bias.copy_(torch.randn_like(m.out_proj.bias) * 0.3)
    return m


padding = torch.tensor([[0, 0, 0, 1, 1], [0, 0, 0, 0, 1]], dtype=torch.bool)
record("mha", randomise_mha(nn.MultiheadAttention(8, 2)),
       [("q", r(4, 2, 8)), ("k", r(5, 2, 8)), ("v", r(5, 2, 8)), ("mask", r(4, 5) * 0.5),
        ("padding", padding)],
       lambda m, q, k, v, mask, pad: list(m(q, k, v, key_padding_mask=pad.bool(), attn_mask=mask)))
causal = torch.triu(torch.ones(5, 5, dtype=torch.bool), diagonal=1)
record("mha_causal", randomise_mha(nn.MultiheadAttention(8, 4, batch_first=True)),
       [("x", r(2, 5, 8)), ("causal", causal)],
       lambda m, x, c: list(m(x, x, x, attn_mask=c.bool(), average_attn_weights=False)))
allow = torch.tensor([[1, 0, 1, 1, 0], [1, 1, 1, 1, 1], [0, 0, 1, 0, 0], [1, 1, 0, 0, 1]], dtype=torch.bool)
record("sdpa", None, [("q", r(2, 2, 4, 3)), ("k", r(2, 2, 5, 3)), ("v", r(2, 2, 5, 6)), ("allow", allow)],
       lambda _, q, k, v, a: [F.scaled_dot_product_attention(q, k, v, attn_mask=a.bool(), scale=0.7)])
record("sdpa_causal", None, [("q", r(3, 5, 4)), ("k", r(3, 5, 4)), ("v", r(3, 5, 2))],
       lambda _, q, k, v: [F.scaled_dot_product_attention(q, k, v, is_causal=True)])
enc = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
with torch.no_grad():
    for key, t in enc.named_parameters():
        if key.endswith("bias") or key.startswith("norm"):
            t.add_(torch.randn_like(t) * 0.3)
record("encoder_layer", enc, [("x", r(5, 2, 8)), ("causal", causal)],
       lambda m, x, c: [m(x, src_mask=c.bool())])
record("encoder_layer_prenorm", nn.TransformerEncoderLayer(8, 4, dim_feedforward=12, dropout=0.0, norm_first=True,
                                                           batch_first=True, activation="gelu"),
       [("x", r(2, 5, 8))], lambda m, x: [m(x)])
save_file({k: v.contiguous() for k, v in out.items()}, OUT)
os.chmod(OUT, 0o644)
print(f"wrote {OUT} ({len(out)} tensors)")
