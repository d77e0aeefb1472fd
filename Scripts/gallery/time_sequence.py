#!/usr/bin/env python3
"""PyTorch twin of `swift run -c release time-sequence`: pytorch/examples
time_sequence_prediction (two LSTMCells, float64, LBFGS lr 0.8), on the same sine waves
(the fixed phase shifts of Sources/Examples/TimeSequence) and, with --init, from our initial
weights (`time-sequence --save-initial FILE`). Writes the same CSV (step, train_loss,
test_loss, elapsed_seconds).

    swift run -c release time-sequence --save-initial /tmp/ts-init.safetensors --log /tmp/ts.csv
    python3 Scripts/gallery/time_sequence.py --init /tmp/ts-init.safetensors --log /tmp/ts-torch.csv
"""
import argparse
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim


class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, 51)
        self.lstm2 = nn.LSTMCell(51, 51)
        self.linear = nn.Linear(51, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t = torch.zeros(input.size(0), 51, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), 51, dtype=torch.double)
        for input_t in input.split(1, dim=1):
            h_t, c_t = self.lstm1(input_t, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for _ in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


parser = argparse.ArgumentParser()
parser.add_argument("--steps", type=int, default=2)
parser.add_argument("--init")
parser.add_argument("--log")
parser.add_argument("--threads", type=int, default=2)
opt = parser.parse_args()
torch.set_num_threads(opt.threads)
np.random.seed(0)
torch.manual_seed(0)
shifts = np.array([(37 * i + 11) % 160 - 80 for i in range(100)]).reshape(100, 1)
data = np.sin((np.arange(1000) + shifts) / 20.0).astype("float64")
input, target = torch.from_numpy(data[3:, :-1]), torch.from_numpy(data[3:, 1:])
test_input, test_target = torch.from_numpy(data[:3, :-1]), torch.from_numpy(data[:3, 1:])
seq = Sequence()
seq.double()
if opt.init:
    from safetensors.torch import load_file
    seq.load_state_dict(load_file(opt.init), strict=True)
criterion = nn.MSELoss()
optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
rows, start = [], time.time()
for i in range(opt.steps):
    print("STEP: ", i)

    def closure():
        optimizer.zero_grad()
        loss = criterion(seq(input), target)
        print("loss:", loss.item())
        loss.backward()
        return loss

    first = optimizer.step(closure)
    with torch.no_grad():
        future = 1000
        pred = seq(test_input, future=future)
        loss = criterion(pred[:, :-future], test_target)
        print("test loss:", loss.item())
    rows.append((i, first.item(), loss.item(), time.time() - start))
if opt.log:
    with open(opt.log, "w") as f:
        f.write("step,train_loss,test_loss,elapsed_seconds\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]},{r[2]},{r[3]:.3f}\n")
