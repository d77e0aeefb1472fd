#!/usr/bin/env python3
"""Generates the PyTorch second-derivative fixtures for the NN tests (by hand; CI never needs torch).

Every tensor is float64 (integer targets are int64) and every input comes from a
torch.Generator seeded per fixture, so a rerun writes the same values. Each file is a
safetensors file in Tests/NNTests/Fixtures/higher-order/:

- elementwise.safetensors: x [7] in [-1.5, 1.5] and, for
  f(x) = tanh(x) exp(-x^2) + sigmoid(x) log(x^2 + 1) + softplus(x) x^3 / (1 + x^2),
  y = f(x), d1 = f'(x) and d2 = f''(x), elementwise (double backward of f(x).sum()).
- mlp_hessian.safetensors: the mean cross-entropy of a 3-4-2 tanh MLP as a function of one
  flat parameter vector theta [26] (w1 = theta[0:12] as [4,3], b1 = theta[12:16],
  w2 = theta[16:24] as [2,4], b2 = theta[24:26]) on x [5,3] and targets [5]; its loss, grad,
  full hessian [26,26] and, for a direction v, the hvp and vhp.
- wgan_gp.safetensors: a 2-16-16-1 ReLU critic (PyTorch default init), real, fake and alpha,
  the input gradient at the interpolates, the gradient penalty gp, the total critic loss, and
  the gradient of gp and of the total with respect to every parameter.
- conv2d_double.safetensors: for tanh(conv2d(x, w, b)).sum() with stride 1, padding 1 ("s1.")
  and stride 2, padding 0 ("s2."), and for the bilinear (conv2d(x, w, b) * u).sum() with
  stride 1, padding 1 ("lin."): the first gradients gx, gw, gb, directions vx, vw, vb,
  s = <g, v> and its gradients hx, hw, hb (Hessian-vector products).
- maxpool_double.safetensors: for (max_pool2d(x, 2)^2 * c).sum() on an x of distinct values:
  the gradient gx, a direction v, s = <gx, v> and its gradient hx.

Each fixture is checked before it is written: torch.autograd.gradgradcheck (or gradcheck of a
function that already contains a gradient) on the function, and the double-backward results
against torch.autograd.functional.hvp. ReLU pre-activations are kept at least 1e-3 away from
the kink (the seed is bumped until they are), so finite differences stay on one side.

    pip install torch safetensors
    python3 Scripts/make_higher_order_fixtures.py
"""
import os

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import save_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "Tests", "NNTests", "Fixtures", "higher-order")
DTYPE = torch.float64
TOL = 1e-10  # agreement required between two float64 routes to the same derivative
KINK = 1e-3  # minimum |pre-activation| of every ReLU


def generator(seed):
    return torch.Generator().manual_seed(seed)


def uniform(g, shape, lo, hi):
    """Uniform float64 values in [lo, hi) from the generator g."""
    return torch.rand(shape, generator=g, dtype=DTYPE) * (hi - lo) + lo


def check(label, a, b, tol=TOL):
    """Prints and enforces the max-abs difference between two computations of one quantity."""
    diff = (a - b).abs().max().item() if a.numel() else 0.0
    print(f"  {label}: max |diff| = {diff:.3e}")
    if not diff <= tol:
        raise AssertionError(f"{label}: max |diff| {diff:.3e} > {tol:.0e}")


def gradcheck(label, fn, inputs, second_order=True):
    """Runs gradgradcheck (or gradcheck when fn itself already takes a gradient)."""
    run = torch.autograd.gradgradcheck if second_order else torch.autograd.gradcheck
    ok = run(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4)
    print(f"  {label}: {run.__name__} {'passed' if ok else 'FAILED'}")
    if not ok:
        raise AssertionError(label)


def grads(output, inputs, create_graph=False):
    """torch.autograd.grad that returns zeros (not None) for inputs the output does not use."""
    gs = torch.autograd.grad(
        output, inputs, create_graph=create_graph, retain_graph=True, allow_unused=True
    )
    return tuple(torch.zeros_like(i) if g is None else g for g, i in zip(gs, inputs))


def save(name, tensors):
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, f"{name}.safetensors")
    for k, v in tensors.items():
        assert v.dtype in (DTYPE, torch.int64), (k, v.dtype)
    save_file({k: v.detach().contiguous() for k, v in tensors.items()}, path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes, {len(tensors)} tensors)")


# 1. Elementwise ------------------------------------------------------------------------------


def elementwise_f(x):
    return (
        torch.tanh(x) * torch.exp(-(x * x))
        + torch.sigmoid(x) * torch.log(x * x + 1)
        + F.softplus(x, beta=1, threshold=20) * x.pow(3) / (1 + x * x)
    )


def make_elementwise(seed=1):
    print("elementwise")
    g = generator(seed)
    x = uniform(g, (7,), -1.5, 1.5).requires_grad_(True)
    y = elementwise_f(x)
    (d1,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1.sum(), x)
    # f acts elementwise, so the Hessian of f(x).sum() is diagonal with d2 on its diagonal.
    hess = torch.autograd.functional.hessian(lambda z: elementwise_f(z).sum(), x.detach())
    check("diag(hessian) vs d2", torch.diagonal(hess), d2)
    check("off-diagonal hessian", hess - torch.diag(torch.diagonal(hess)), torch.zeros_like(hess))
    gradcheck("f", elementwise_f, (x,))
    save("elementwise", {"x": x, "y": y, "d1": d1, "d2": d2})


# 2. MLP loss Hessian over one flat parameter vector -----------------------------------------


def mlp_loss(theta, x, targets):
    """Cross-entropy of tanh(x w1^T + b1) w2^T + b2, parameters sliced out of theta."""
    w1 = theta[0:12].reshape(4, 3)
    b1 = theta[12:16]
    w2 = theta[16:24].reshape(2, 4)
    b2 = theta[24:26]
    logits = torch.tanh(x @ w1.T + b1) @ w2.T + b2
    return F.cross_entropy(logits, targets)


def make_mlp_hessian(seed=2):
    print("mlp_hessian")
    g = generator(seed)
    theta = uniform(g, (26,), -0.8, 0.8)
    x = uniform(g, (5, 3), -1, 1)
    targets = torch.randint(0, 2, (5,), generator=g, dtype=torch.int64)
    v = uniform(g, (26,), -1, 1)

    def loss_fn(th):
        return mlp_loss(th, x, targets)

    th = theta.clone().requires_grad_(True)
    loss = loss_fn(th)
    (grad,) = torch.autograd.grad(loss, th)
    hessian = torch.autograd.functional.hessian(loss_fn, theta)
    _, hvp = torch.autograd.functional.hvp(loss_fn, theta, v)
    _, vhp = torch.autograd.functional.vhp(loss_fn, theta, v)
    check("hessian symmetry", hessian, hessian.T)
    check("hvp vs hessian @ v", hvp, hessian @ v)
    check("vhp vs v @ hessian", vhp, v @ hessian)
    gradcheck("loss(theta)", loss_fn, (th,))
    save(
        "mlp_hessian",
        {
            "theta": theta,
            "x": x,
            "targets": targets,
            "loss": loss.reshape(()),
            "grad": grad,
            "hessian": hessian,
            "v": v,
            "hvp": hvp,
            "vhp": vhp,
        },
    )


# 3. WGAN-GP critic --------------------------------------------------------------------------


def critic_net():
    return nn.Sequential(
        nn.Linear(2, 16, dtype=DTYPE),
        nn.ReLU(),
        nn.Linear(16, 16, dtype=DTYPE),
        nn.ReLU(),
        nn.Linear(16, 1, dtype=DTYPE),
    )


def relu_preactivations(critic, x):
    """The inputs of every ReLU of the critic at x."""
    pre = []
    h = x
    for layer in critic:
        if isinstance(layer, nn.ReLU):
            pre.append(h)
        h = layer(h)
    return pre


def gradient_penalty(critic_fn, interp):
    """10 * mean((|d critic / d interp|_2 - 1)^2) and the input gradient itself."""
    (gradients,) = torch.autograd.grad(critic_fn(interp).sum(), interp, create_graph=True)
    return 10 * ((gradients.norm(2, dim=1) - 1) ** 2).mean(), gradients


def wgan_inputs(seed):
    """Critic (default init under torch.manual_seed(seed)) and data from a generator of seed."""
    torch.manual_seed(seed)
    critic = critic_net()
    g = generator(seed)
    real = torch.randn((8, 2), generator=g, dtype=DTYPE) * 2
    fake = torch.randn((8, 2), generator=g, dtype=DTYPE)
    alpha = torch.rand((8, 1), generator=g, dtype=DTYPE)
    return critic, real, fake, alpha


def make_wgan_gp(seed=3):
    print("wgan_gp")
    # Bump the seed until no ReLU input is within KINK of 0 at real, fake or the interpolates.
    while True:
        critic, real, fake, alpha = wgan_inputs(seed)
        interp = alpha * real + (1 - alpha) * fake
        with torch.no_grad():
            pre = [p for z in (real, fake, interp) for p in relu_preactivations(critic, z)]
        closest = min(p.abs().min().item() for p in pre)
        if closest > KINK:
            break
        print(f"  seed {seed}: a ReLU input is {closest:.2e} from the kink; trying {seed + 1}")
        seed += 1
    print(f"  seed {seed}: closest ReLU input to the kink is {closest:.3e}")

    names = [k for k, _ in critic.named_parameters()]
    params = tuple(p for _, p in critic.named_parameters())
    interp = interp.requires_grad_(True)
    gp, gradients = gradient_penalty(critic, interp)
    total = critic(fake).mean() - critic(real).mean() + gp
    gp_grads = grads(gp, params)
    total_grads = grads(total, params)

    # total = W(fake) - W(real) + gp, so the difference of the two gradients is that of the
    # plain (first-order) Wasserstein term.
    w_grads = grads(critic(fake).mean() - critic(real).mean(), params)
    for n, tg, gg, wg in zip(names, total_grads, gp_grads, w_grads):
        check(f"total_grad.{n} vs gp_grad + W grad", tg, gg + wg)

    # gp already contains a gradient, so a first-order gradcheck of gp(params) exercises the
    # double backward through Linear and ReLU; gradgradcheck does the same for the input.
    def gp_of_params(*ps):
        def fn(z):
            return torch.func.functional_call(critic, dict(zip(names, ps)), (z,))

        return gradient_penalty(fn, interp)[0]

    leaves = tuple(p.detach().clone().requires_grad_(True) for p in params)
    gradcheck("gp(params)", gp_of_params, leaves, second_order=False)
    gradcheck("critic(interp)", critic, (interp,))

    out = {"critic." + k: v for k, v in critic.state_dict().items()}
    out.update({"real": real, "fake": fake, "alpha": alpha, "input_grad": gradients,
                "gp": gp.reshape(()), "total": total.reshape(())})
    out.update({f"gp_grad.{n}": v for n, v in zip(names, gp_grads)})
    out.update({f"total_grad.{n}": v for n, v in zip(names, total_grads)})
    save("wgan_gp", out)


# 4. conv2d double backward ------------------------------------------------------------------


def conv_case(prefix, g, stride, padding, bilinear):
    """One conv2d case: loss, its gradient g, s = <g, v> and the gradient of s (= H v)."""
    x = uniform(g, (2, 2, 5, 5), -1, 1).requires_grad_(True)
    w = uniform(g, (3, 2, 3, 3), -1, 1).requires_grad_(True)
    b = uniform(g, (3,), -1, 1).requires_grad_(True)
    out_shape = F.conv2d(x, w, b, stride=stride, padding=padding).shape
    u = uniform(g, out_shape, -1, 1) if bilinear else None

    def loss_fn(x, w, b):
        y = F.conv2d(x, w, b, stride=stride, padding=padding)
        return (y * u).sum() if bilinear else torch.tanh(y).sum()

    inputs = (x, w, b)
    gx, gw, gb = grads(loss_fn(*inputs), inputs, create_graph=True)
    vx, vw, vb = (uniform(g, t.shape, -1, 1) for t in (gx, gw, gb))
    s = (gx * vx).sum() + (gw * vw).sum() + (gb * vb).sum()
    # In the bilinear case gb = sum of u does not depend on anything, so hb is exactly zero.
    hx, hw, hb = grads(s, inputs)

    detached = tuple(t.detach() for t in inputs)
    _, hvp = torch.autograd.functional.hvp(loss_fn, detached, (vx, vw, vb))
    for n, h, r in zip("xwb", (hx, hw, hb), hvp):
        check(f"{prefix}h{n} vs functional.hvp", h, r)
    gradcheck(f"{prefix}loss", loss_fn, inputs)

    out = {"x": x, "w": w, "b": b, "vx": vx, "vw": vw, "vb": vb, "gx": gx, "gw": gw, "gb": gb,
           "hx": hx, "hw": hw, "hb": hb, "s": s.reshape(())}
    if bilinear:
        out["u"] = u
    return {prefix + k: v for k, v in out.items()}


def make_conv2d_double(seed=4):
    print("conv2d_double")
    g = generator(seed)
    out = {}
    out.update(conv_case("s1.", g, stride=1, padding=1, bilinear=False))
    out.update(conv_case("s2.", g, stride=2, padding=0, bilinear=False))
    out.update(conv_case("lin.", g, stride=1, padding=1, bilinear=True))
    save("conv2d_double", out)


# 5. max_pool2d double backward --------------------------------------------------------------


def make_maxpool_double(seed=5):
    print("maxpool_double")
    g = generator(seed)
    # A permutation of 0..71 scaled to [-1, 1): distinct values, so every window has one max,
    # at least 2/71 above the runner-up (far more than the finite-difference step).
    n = 1 * 2 * 6 * 6
    x = (torch.randperm(n, generator=g).to(DTYPE) * (2 / (n - 1)) - 1).reshape(1, 2, 6, 6)
    x.requires_grad_(True)
    c = uniform(g, (1, 2, 3, 3), -1, 1)

    def loss_fn(x):
        return (F.max_pool2d(x, 2).pow(2) * c).sum()

    (gx,) = torch.autograd.grad(loss_fn(x), x, create_graph=True)
    v = uniform(g, x.shape, -1, 1)
    s = (gx * v).sum()
    (hx,) = torch.autograd.grad(s, x)

    _, hvp = torch.autograd.functional.hvp(loss_fn, x.detach(), v)
    check("hx vs functional.hvp", hx, hvp)
    gradcheck("loss", loss_fn, (x,))
    gradcheck("max_pool2d", lambda z: F.max_pool2d(z, 2), (x,))
    save("maxpool_double", {"x": x, "c": c, "v": v, "gx": gx, "hx": hx, "s": s.reshape(())})


if __name__ == "__main__":
    torch.manual_seed(0)
    torch.set_num_threads(1)
    torch.set_default_dtype(DTYPE)
    print(f"torch {torch.__version__}")
    make_elementwise()
    make_mlp_hessian()
    make_wgan_gp()
    make_conv2d_double()
    make_maxpool_double()
