import NN
import Testing

/// The identity behind the study: with r = 1[a = y],
/// E_{a~π}[r·∇(−log π(a|x))] = π(y|x)·∇(−log π(y|x)) — the expected REINFORCE gradient is the
/// cross-entropy gradient weighted by the probability of the correct label.
@Suite("REINFORCE == weighted cross-entropy, exactly")
struct ReinforceIdentityTests {
  /// A small float64 policy: a two-layer tanh network over 5 actions.
  struct SmallPolicy {
    let w1 = Tensor.randn([4, 6], dtype: .float64, generator: Generator(seed: 1)).requiringGrad()
    let w2 = Tensor.randn([6, 5], dtype: .float64, generator: Generator(seed: 2)).requiringGrad()
    func probs(_ x: Tensor) -> Tensor { x.matmul(w1).tanh().matmul(w2).softmax(dim: 1) }
    var parameters: [Tensor] { [w1, w2] }
  }

  /// The gradients of `loss` with respect to the policy's parameters, flattened.
  func gradient(_ policy: SmallPolicy, _ loss: () -> Tensor) -> [Double] {
    for p in policy.parameters { p.zeroGrad() }
    loss().backward()
    return policy.parameters.flatMap { $0.grad!.doubleScalars }
  }

  @Test("for one example, enumerating all actions")
  func singleExample() {
    let policy = SmallPolicy()
    let x = Tensor.randn([1, 4], dtype: .float64, generator: Generator(seed: 3))
    let y = 3
    let pi = noGrad { policy.probs(x) }.doubleScalars
    // Expected REINFORCE gradient: Σ_a π(a)·r(a)·∇(−log π(a|x)).
    var expected = [Double](repeating: 0, count: 4 * 6 + 6 * 5)
    for a in 0..<5 {
      let reward = a == y ? 1.0 : 0.0
      let g = gradient(policy) {
        let m = Categorical(probs: policy.probs(x))
        return -m.logProb(Tensor(shape: [1], indices: [a])).sum() * reward
      }
      for i in expected.indices { expected[i] += pi[a] * g[i] }
    }
    let crossEntropyGradient = gradient(policy) {
      crossEntropy(policy.probs(x).log(), Tensor(shape: [1], indices: [y]))
    }
    let worst = zip(expected, crossEntropyGradient).map { Swift.abs($0 - pi[y] * $1) }.max()!
    #expect(worst < 1e-10, "largest difference \(worst)")
    print("[identity] single example: largest difference \(worst)")
    #expect(crossEntropyGradient.map(Swift.abs).max()! > 1e-3, "the gradients are not trivial")
  }

  @Test("for a batch: each example's cross-entropy gradient weighted by its π(y)")
  func batch() {
    let policy = SmallPolicy()
    let x = Tensor.randn([3, 4], dtype: .float64, generator: Generator(seed: 4))
    let labels = [1, 4, 0]
    let pi = noGrad { policy.probs(x) }.doubleScalars
    var expected = [Double](repeating: 0, count: 54)
    // Enumerate all 5³ joint actions of the batch.
    for joint in 0..<125 {
      let actions = [joint % 5, (joint / 5) % 5, joint / 25]
      let probability = (0..<3).map { pi[$0 * 5 + actions[$0]] }.reduce(1, *)
      let rewards = (0..<3).map { actions[$0] == labels[$0] ? 1.0 : 0.0 }
      let g = gradient(policy) {
        let m = Categorical(probs: policy.probs(x))
        return (-m.logProb(Tensor(shape: [3], indices: actions)) * Tensor(shape: [3], scalars: rewards)).mean()
      }
      for i in expected.indices { expected[i] += probability * g[i] }
    }
    let weights = (0..<3).map { pi[$0 * 5 + labels[$0]] }
    let weighted = gradient(policy) {
      (crossEntropy(policy.probs(x).log(), Tensor(shape: [3], indices: labels), reduction: .none)
        * Tensor(shape: [3], scalars: weights)).mean()
    }
    let worst = zip(expected, weighted).map { Swift.abs($0 - $1) }.max()!
    #expect(worst < 1e-10, "largest difference \(worst)")
    print("[identity] batch of 3: largest difference \(worst)")
  }
}
