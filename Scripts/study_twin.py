#!/usr/bin/env python3
"""PyTorch twin of one `mnist-reinforce` run of the study, from the same start.

It loads the initial weights and the data order that `mnist-reinforce --save-initial FILE`
wrote, trains the same policy (the original's CNN, or the MLP 784-128-10) with the same
objective, batches and Adam settings, and writes the same CSV log (step, score, loss,
test_accuracy, elapsed_seconds; a score row every 20 steps, a test row at every evaluation).
Dropout masks and sampled actions come from PyTorch's own generator, seeded with --seed: the
runs share their start and their data, not their random draws. torch is optional for the
project; CI never runs this.

    swift run -c release mnist-reinforce --model mlp --steps 2000 --seed 3 \\
        --save-initial /tmp/init-3.safetensors --log ours.csv
    python3 Scripts/study_twin.py --init /tmp/init-3.safetensors --model mlp --steps 2000 \\
        --seed 3 --log twin.csv
"""
import argparse
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file
from torch.distributions import Categorical

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_nn_fixtures import CNN  # noqa: E402  the experiment's CNN, one definition
from mnist_data import load  # noqa: E402  the shipped MNIST, one loader

p = argparse.ArgumentParser()
p.add_argument("--init", required=True, help="safetensors from mnist-reinforce --save-initial")
p.add_argument("--model", choices=["cnn", "mlp"], default="cnn")
p.add_argument("--objective", choices=["reinforce", "cross-entropy", "weighted-cross-entropy"],
               default="reinforce")
p.add_argument("--baseline", choices=["none", "mean"], default="none")
p.add_argument("--fixed-batch", action="store_true")
p.add_argument("--steps", type=int, default=2000)
p.add_argument("--batch-size", type=int, default=128)
p.add_argument("--lr", type=float, default=1e-3)
p.add_argument("--eval-every", type=int, default=0)
p.add_argument("--seed", type=int, default=0)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--log", required=True)
args = p.parse_args()
torch.set_num_threads(args.threads)
torch.manual_seed(args.seed)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(784, 128), nn.Linear(128, 10)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


class Policy(nn.Module):
    """π(·|x): the network's logits through a softmax, as the original."""

    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return F.softmax(self.net(x), dim=1)


train_x, train_y = load("train")
test_x, test_y = load("t10k")
net = CNN() if args.model == "cnn" else MLP()
state = load_file(args.init)
order = state.pop("data_order", None)
net.load_state_dict(state)  # strict: every tensor of ours has its PyTorch twin
policy = Policy(net)
optimizer = torch.optim.Adam(policy.parameters(), lr=args.lr)
per_epoch = len(train_x) // args.batch_size
if not args.fixed_batch and (order is None or order.shape[0] * per_epoch < args.steps):
    sys.exit(f"{args.init}: no data order for {args.steps} shuffled steps "
             "(save it with mnist-reinforce --save-initial, without --fixed-batch)")


def test_accuracy():
    policy.eval()
    with torch.no_grad():
        right = sum((policy(test_x[i:i + 1000]).argmax(1) == test_y[i:i + 1000]).sum().item()
                    for i in range(0, len(test_x), 1000))
    policy.train()
    return right / len(test_x)


rows, score_sum, loss_sum, count, start = [], 0.0, 0.0, 0, time.time()
for step in range(1, args.steps + 1):
    if args.fixed_batch:
        x, y = train_x[:args.batch_size], train_y[:args.batch_size]
    else:
        epoch, position = divmod(step - 1, per_epoch)
        index = order[epoch, position * args.batch_size:(position + 1) * args.batch_size]
        x, y = train_x[index], train_y[index]
    m = Categorical(policy(x))
    a = m.sample()
    r = (a == y).float()
    if args.objective == "cross-entropy":
        loss = -m.log_prob(y).mean()
    elif args.objective == "weighted-cross-entropy":
        log_py = m.log_prob(y)
        loss = -(log_py.exp().detach() * log_py).mean()
    else:
        advantage = r - r.mean() if args.baseline == "mean" else r
        loss = (-m.log_prob(a) * advantage).mean()
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    score_sum += r.mean().item()
    loss_sum += loss.item()
    count += 1
    accuracy = None
    if (args.eval_every > 0 and step % args.eval_every == 0) or step == args.steps:
        accuracy = test_accuracy()
    elapsed = f"{time.time() - start:.2f}"
    if step % 20 == 0 or step == args.steps:
        rows.append([step, score_sum / count, loss_sum / count, "" if accuracy is None else accuracy, elapsed])
        print(f"step {step}, avg score {score_sum / count}", flush=True)
        score_sum, loss_sum, count = 0.0, 0.0, 0
    elif accuracy is not None:
        rows.append([step, "", "", accuracy, elapsed])
print(f"test accuracy {accuracy}")
temporary = args.log + ".tmp"
with open(temporary, "w") as f:
    f.write("step,score,loss,test_accuracy,elapsed_seconds\n")
    for row in rows:
        f.write(",".join(str(v) for v in row) + "\n")
os.replace(temporary, args.log)
