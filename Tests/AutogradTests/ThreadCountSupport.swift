import Autograd
import Testing

// Helpers for the tests that check that fused ops give the same bits for any thread count.

/// The output and the input gradients of `f` under the loss Σ output ⊙ r.
func valueAndGradients(
  _ inputs: [Tensor], _ f: ([Tensor]) -> Tensor
) -> [[Float]] {
  let leaves = inputs.map { $0.detached().requiringGrad() }
  let y = f(leaves)
  let r = Tensor.uniform(y.shape, low: -1, high: 1, generator: Generator(seed: 77))
  (y * r).sum().backward()
  return [y.scalars] + leaves.map { $0.grad!.scalars }
}

/// Expects `f`'s output and input gradients (as ``valueAndGradients(_:_:)`` gives them) to have
/// the same bits with 2 and 3 kernel threads as with 1.
func expectSameBitsForAnyThreadCount(_ inputs: [Tensor], _ f: ([Tensor]) -> Tensor) {
  let saved = numThreads()
  defer { setNumThreads(saved) }
  func run() -> [[UInt32]] { valueAndGradients(inputs, f).map { $0.map(\.bitPattern) } }
  setNumThreads(1)
  let one = run()
  for threads in [2, 3] {
    setNumThreads(threads)
    #expect(run() == one, "\(threads) threads")
  }
}
