import Foundation
import NN
import Testing

@Suite("Modules")
struct ModuleTests {
  @Test("train() and eval() propagate to children; dropout follows the mode")
  func trainEval() {
    let model = MNISTNet()
    #expect(model.modules().allSatisfy { $0.isTraining })
    model.eval()
    #expect(model.modules().allSatisfy { !$0.isTraining })
    let x = Tensor.ones([4, 100])
    #expect(model.dropout2(x).scalars == x.scalars)
    model.train()
    #expect(model.dropout2.isTraining)
    #expect(model.dropout2(x).scalars != x.scalars)
  }

  @Test("zeroGrad sets every parameter's gradient to nil")
  func zeroGrad() {
    let mlp = makeMLP()
    crossEntropy(mlp(Tensor.randn([3, 1, 28, 28])), Tensor(shape: [3], indices: [1, 2, 3])).backward()
    #expect(mlp.parameters().allSatisfy { $0.grad != nil })
    mlp.zeroGrad()
    #expect(mlp.parameters().allSatisfy { $0.grad == nil })
  }

  @Test("initialisation is U(−1/√fanIn, 1/√fanIn) and seeded")
  func initialisation() {
    let a = Linear(400, 50, generator: Generator(seed: 3))
    let bound = Float(1 / 20.0)
    #expect(a.weight.scalars.allSatisfy { abs($0) <= bound })
    #expect(a.weight.scalars.map(abs).max()! > bound * 0.99)
    #expect(a.bias!.scalars.allSatisfy { abs($0) <= bound })
    let b = Linear(400, 50, generator: Generator(seed: 3))
    #expect(a.weight.scalars == b.weight.scalars)
    let conv = Conv2d(3, 8, kernelSize: 5, generator: Generator(seed: 4))
    #expect(conv.weight.scalars.allSatisfy { abs($0) <= Float(1 / (75.0).squareRoot()) })
  }

  @Test("a custom module with optional, nested and array children gets PyTorch names")
  func namesOfNestedModules() {
    final class Block: Module, @unchecked Sendable {
      let layers = [Linear(2, 2), Linear(2, 1, bias: false)]
      let head: Sequential? = Sequential { ReLU(); Linear(1, 1) }
      var scale = Tensor.ones([1]).requiringGrad()
      let constant = Tensor.ones([1])
    }
    #expect(
      Block().namedParameters().map(\.name) == [
        "scale", "layers.0.weight", "layers.0.bias", "layers.1.weight", "head.1.weight", "head.1.bias",
      ])
  }
}
