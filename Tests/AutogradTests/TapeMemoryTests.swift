import Testing

@testable import Autograd

/// Graphs are freed by reference counting: saving an op's output for its derivative rule, a
/// custom function's saved tensors and a second-order graph make no reference cycle.
@Suite("Graph memory")
struct TapeMemoryTests {
  /// The nodes of a graph built by `body`, held weakly; every one must be gone once the tensors
  /// `body` made go out of scope.
  private func expectFreed(_ name: String, _ body: () -> [Tensor]) {
    var weakNodes = [WeakNode]()
    do {
      let tensors = body()
      for tensor in tensors {
        guard let root = tensor.node else { continue }
        weakNodes += Tape.reachable(from: [root]).filter { $0.op != .leaf }.map(WeakNode.init)
      }
      #expect(!weakNodes.isEmpty, "\(name): no graph was built")
    }
    #expect(weakNodes.allSatisfy { $0.node == nil }, "\(name): nodes outlived their tensors")
  }

  @Test("ops that save their output, with and without a backward, free their graph")
  func savedOutputs() {
    let x = Tensor(shape: [3], scalars: [0.1, 0.5, 0.9] as [Double]).requiringGrad()
    expectFreed("exp/tanh/sigmoid/sqrt/softmax/div") {
      [x.exp(), x.tanh(), x.sigmoid(), x.sqrt(), x.softmax(dim: 0), x / (x + 1)]
    }
    expectFreed("after backward") {
      let y = (x.exp() * x.tanh()).sum()
      y.backward()
      return [y]
    }
    expectFreed("after a retained backward") {
      let y = x.sigmoid().sum()
      y.backward(retainGraph: true)
      return [y]
    }
    x.zeroGrad()
  }

  @Test("a second-order graph is freed with the gradients it produced")
  func secondOrder() {
    let x = Tensor(shape: [3], scalars: [0.1, 0.5, 0.9] as [Double]).requiringGrad()
    expectFreed("grad with createGraph") {
      let g = grad([(x.exp() * x).sum()], [x], createGraph: true)[0]!
      let h = grad([g.sum()], [x], createGraph: true)[0]!
      return [g, h]
    }
  }

  @Test("a custom function that saves its output frees its graph")
  func customFunction() {
    struct SavedTanh: DifferentiableFunction {
      func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor {
        let y = inputs[0].tanh()
        ctx.saveForBackward(y)
        return y
      }
      func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
        let y = ctx.savedTensors[0]
        return [gradOutput * (1 - y * y)]
      }
    }
    let x = Tensor(shape: [2], scalars: [0.3, -0.4] as [Double]).requiringGrad()
    expectFreed("SavedTanh") { [SavedTanh()(x)] }
    expectFreed("SavedTanh, second order") {
      let g = grad([SavedTanh()(x).sum()], [x], createGraph: true)[0]!
      return [g, grad([g.sum()], [x], createGraph: true)[0]!]
    }
  }
}

private struct WeakNode {
  weak var node: Node?
  init(_ node: Node) { self.node = node }
}
