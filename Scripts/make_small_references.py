#!/usr/bin/env python3
"""Prints small PyTorch reference values used in Tests/NNTests/LossAndOptimizerTests.swift.

Run by hand (needs torch); the printed numbers are pasted into the test with this script named
beside them, so the tests compare against PyTorch without CI needing Python.
"""
import math
import torch
import torch.nn.functional as F

torch.set_printoptions(precision=10)
logits = torch.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]], dtype=torch.float64)
targets = torch.tensor([1, 0])
for red in ["mean", "sum", "none"]:
    print("ce", red, F.cross_entropy(logits, targets, reduction=red).tolist())
print("ce smoothing 0.1", F.cross_entropy(logits, targets, label_smoothing=0.1).item())
print("nll", F.nll_loss(F.log_softmax(logits, 1), targets).item())
print("mse", F.mse_loss(logits, torch.zeros_like(logits)).item())
probs = torch.tensor([[0.2, 0.3, 0.5], [0.7, 0.0, 0.3]], dtype=torch.float64)
m = torch.distributions.Categorical(probs=probs)
print("cat probs logprob", m.log_prob(torch.tensor([2, 0])).tolist(), "entropy", m.entropy().tolist())
m = torch.distributions.Categorical(logits=logits)
print("cat logits logprob", m.log_prob(torch.tensor([2, 0])).tolist(), "entropy", m.entropy().tolist())


def run(make, steps=3):
    p = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    q = torch.tensor([0.5], dtype=torch.float64, requires_grad=True)  # never gets a gradient
    opt = make([p, q])
    for _ in range(steps):
        opt.zero_grad()
        (p * p * torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64)).sum().backward()
        opt.step()
    return p.tolist(), q.tolist()


print("sgd wd damp", run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.5, weight_decay=0.01)))
print("adam wd amsgrad", run(lambda ps: torch.optim.Adam(ps, lr=0.1, weight_decay=0.1, amsgrad=True)))
print("adamw", run(lambda ps: torch.optim.AdamW(ps, lr=0.1)))
opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
s = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
lrs = []
for _ in range(5):
    opt.step(); s.step(); lrs.append(opt.param_groups[0]["lr"])
print("steplr", lrs)
opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
s = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4, eta_min=0.1)
lrs = []
for _ in range(4):
    opt.step(); s.step(); lrs.append(opt.param_groups[0]["lr"])
print("cosine", lrs)
print("rmsprop", run(lambda ps: torch.optim.RMSprop(ps, lr=0.01)))
print("rmsprop centered momentum wd", run(lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.1)))
print("adagrad", run(lambda ps: torch.optim.Adagrad(ps, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.2, weight_decay=0.05)))
print("adamax", run(lambda ps: torch.optim.Adamax(ps, lr=0.02, weight_decay=0.01)))
# NAdam keeps its momentum product mu_product in a tensor of the default dtype: float64 here, so
# that it is the exact schedule (with float32 it differs in the 10th digit).
torch.set_default_dtype(torch.float64)
print("nadam", run(lambda ps: torch.optim.NAdam(ps, lr=0.02, weight_decay=0.01)))
torch.set_default_dtype(torch.float32)


def schedule(make, epochs):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    s = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(epochs):
        opt.step(); s.step(); lrs.append(opt.param_groups[0]["lr"])
    return lrs


print("lambdalr", schedule(lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda e: 0.9 ** e + 0.1), 4))
print("exponentiallr", schedule(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.8), 4))
print("linearlr", schedule(lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.25, total_iters=3), 5))
print("sequentiallr", schedule(lambda o: torch.optim.lr_scheduler.SequentialLR(
    o, [torch.optim.lr_scheduler.LinearLR(o, start_factor=0.5, total_iters=2),
        torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.5)], milestones=[3]), 6))


# Parameter groups: SGD with momentum, one group with its own lr and weight decay.
def groups():
    p = torch.tensor([1.0, -2.0, 3.0], dtype=torch.float64, requires_grad=True)
    q = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([{"params": [p]}, {"params": [q], "lr": 0.01, "weight_decay": 0.5}],
                          lr=0.1, momentum=0.9, weight_decay=0.01)
    s = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    for _ in range(3):
        opt.zero_grad()
        ((p * p).sum() + (q * q * q).sum()).backward()
        opt.step(); s.step()
    return p.tolist(), q.tolist(), [g["lr"] for g in opt.param_groups]


print("groups", groups())


def onecycle(steps, **kw):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    s = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.5, total_steps=steps, **kw)
    out = [(opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"])]
    for _ in range(steps - 1):
        opt.step(); s.step(); out.append((opt.param_groups[0]["lr"], opt.param_groups[0]["momentum"]))
    return out


print("onecycle cos", onecycle(10))
print("onecycle linear three-phase", onecycle(10, anneal_strategy="linear", three_phase=True, pct_start=0.25))


def plateau(metrics, **kw):
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    s = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, **kw)
    out = []
    for m in metrics:
        s.step(m); out.append(opt.param_groups[0]["lr"])
    return out


metrics = [1.0, 0.9, 0.95, 0.91, 0.92, 0.89, 0.9, 0.9, 0.9, 0.9, 0.85]
print("plateau min", plateau(metrics, patience=2, factor=0.5, cooldown=1, min_lr=0.1))
print("plateau max abs", plateau(metrics, mode="max", patience=1, threshold=0.01, threshold_mode="abs"))


def lbfgs(line_search, steps=3):
    torch.manual_seed(0)
    x = torch.tensor([-1.2, 1.0, 0.5], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=1, max_iter=5, history_size=3, line_search_fn=line_search)

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2 + (x[2] - x[1]) ** 2 * 3
        loss.backward()
        return loss

    losses = [opt.step(closure).item() for _ in range(steps)]
    st = opt.state[x]
    return x.tolist(), losses, st["func_evals"], st["n_iter"]


print("lbfgs", lbfgs(None))
print("lbfgs strong_wolfe", lbfgs("strong_wolfe"))
