"""CartPole-v1 physics as Gymnasium implements it (and as Sources/Examples/Environments does),
without gym, so the PyTorch twins run offline."""
import math
import random


class CartPole:
    gravity, mass_cart, mass_pole, half_length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    x_threshold, theta_threshold = 2.4, 12 * 2 * math.pi / 360

    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.state = (0.0, 0.0, 0.0, 0.0)

    def reset(self):
        self.state = tuple(self.rng.uniform(-0.05, 0.05) for _ in range(4))
        return self.state

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        total = self.mass_cart + self.mass_pole
        pml = self.mass_pole * self.half_length
        c, s = math.cos(theta), math.sin(theta)
        temp = (force + pml * theta_dot * theta_dot * s) / total
        theta_acc = (self.gravity * s - c * temp) / (
            self.half_length * (4.0 / 3.0 - self.mass_pole * c * c / total))
        x_acc = temp - pml * theta_acc * c / total
        self.state = (x + self.tau * x_dot, x_dot + self.tau * x_acc,
                      theta + self.tau * theta_dot, theta_dot + self.tau * theta_acc)
        x, _, theta, _ = self.state
        terminated = x < -self.x_threshold or x > self.x_threshold or \
            theta < -self.theta_threshold or theta > self.theta_threshold
        return self.state, 1.0, terminated
