import Dispatch
import Foundation
import NN
import Synchronization
import Testing

/// `Module.to(_:)` / `double()`, gradient checks of the new layers in float64 through it, and
/// handing a model to another thread in Swift 6.
@Suite("Module dtype conversion, new layers' gradient checks, and threads")
struct ModuleConversionAndThreadTests {
  @Test("double() converts parameters and floating buffers in place, leaving int64 buffers alone")
  func toDouble() {
    let model = Sequential {
      Linear(3, 4)
      BatchNorm1d(4)
    }
    let before = model.parameters()
    let optimizer = SGD(before, learningRate: 0.1)
    let values = before.map(\.doubleScalars)
    model.double()
    #expect(model.parameters().allSatisfy { $0.dtype == .float64 })
    #expect(model.parameters().map(\.doubleScalars) == values)
    let buffers = Dictionary(uniqueKeysWithValues: model.namedBuffers().map { ($0.name, $0.tensor) })
    #expect(buffers["1.running_mean"]?.dtype == .float64)
    #expect(buffers["1.num_batches_tracked"]?.dtype == .int64)
    // The optimizer holds the same tensors: it sees and updates the float64 values.
    let y = model(Tensor.randn([5, 3], dtype: .float64)).sum()
    y.backward()
    #expect(optimizer.parameters.allSatisfy { $0.dtype == .float64 && $0.grad?.dtype == .float64 })
    optimizer.step()
    #expect(model.parameters().map(\.doubleScalars) != values)
    model.float()
    #expect(model.parameters().allSatisfy { $0.dtype == .float32 })
  }

  @Test("LSTM, GRU, RNN, the cells, MultiheadAttention (both paths), Conv1d and ConvTranspose2d pass gradcheck and gradgradcheck in float64")
  func newLayersGradcheck() {
    let g = Generator(seed: 3)
    let seq = Tensor.randn([3, 2, 2], dtype: .float64, generator: g)
    let lstm = LSTM(2, 3, numLayers: 2, bidirectional: true, generator: g).double()
    let gru = GRU(2, 2, batchFirst: true, generator: g).double()
    let rnn = RNN(2, 2, nonlinearity: .tanh, generator: g).double()
    let cell = LSTMCell(2, 3, generator: g).double()
    let mha = MultiheadAttention(4, 2, generator: g).double()
    let conv1 = Conv1d(2, 3, kernelSize: 2, padding: 1, generator: g).double()
    let convT = ConvTranspose2d(2, 1, kernelSize: 2, stride: 2, generator: g).double()
    let tokens = Tensor.randn([3, 1, 4], dtype: .float64, generator: g)
    let cases: [(String, Module, [Tensor], ([Tensor]) -> Tensor)] = [
      ("LSTM", lstm, [seq], { x in let (o, (h, c)) = lstm(x[0]); return o.sum() + (h * c).sum() }),
      ("GRU", gru, [seq], { x in let (o, h) = gru(x[0]); return (o * o).sum() + h.sum() }),
      ("RNN", rnn, [seq], { x in rnn(x[0]).hN.sum() + rnn(x[0]).output.pow(2).sum() }),
      ("LSTMCell", cell, [seq.slice(dim: 0, start: 0, end: 1).squeeze(dim: 0)], { x in let (h, c) = cell(x[0]); return (h * c).sum() }),
      ("MultiheadAttention", mha, [tokens], { x in
        let (o, w) = mha(x[0], x[0], x[0], isCausal: true)
        return (o * o).sum() + w!.pow(2).sum()
      }),
      // Self-attention without weights or masks: the packed-projection op, batched and unbatched.
      ("MultiheadAttention (fused self-attention)", mha, [tokens], { x in
        let (o, _) = mha(x[0], x[0], x[0], needWeights: false, isCausal: true)
        let (u, _) = mha(x[0].squeeze(dim: 1), x[0].squeeze(dim: 1), x[0].squeeze(dim: 1), needWeights: false)
        return (o * o).sum() + u.tanh().sum()
      }),
      ("Conv1d", conv1, [Tensor.randn([1, 2, 4], dtype: .float64, generator: g)], { x in conv1(x[0]).tanh().sum() }),
      ("ConvTranspose2d", convT, [Tensor.randn([1, 2, 2, 2], dtype: .float64, generator: g)], { x in convT(x[0]).pow(2).sum() }),
    ]
    for (name, module, inputs, f) in cases {
      let first = gradcheck(name, inputs: inputs, f)
      #expect(first.passed, "\(first)")
      let second = gradgradcheck(name, inputs: inputs, f)
      #expect(second.passed, "\(second)")
      // The parameters' gradients against central differences of the parameters' own values.
      let analytic = grad([f(inputs)], module.parameters(), allowUnused: true)
      for (p, a) in zip(module.parameters(), analytic) {
        let values = p.doubleScalars
        let computed = a?.doubleScalars ?? [Double](repeating: 0, count: p.count)
        for j in 0..<p.count {
          func loss(_ delta: Double) -> Double {
            var v = values
            v[j] += delta
            noGrad { p.assign(Tensor(shape: p.shape, scalars: v)) }
            return noGrad { f(inputs) }.item()
          }
          let numeric = (loss(1e-6) - loss(-1e-6)) / 2e-6
          noGrad { p.assign(Tensor(shape: p.shape, scalars: values)) }
          #expect(Swift.abs(computed[j] - numeric) <= 1e-5 + 1e-3 * Swift.abs(numeric), "\(name) parameter element \(j)")
        }
      }
    }
  }

  @Test("a model handed to a background queue and to a detached task computes the same outputs")
  func backgroundThread() async {
    let model = Sequential {
      Linear(3, 5)
      ReLU()
      Linear(5, 2)
    }
    let x = Tensor.randn([4, 3], generator: Generator(seed: 9))
    let onCaller = noGrad { model(x) }.scalars
    let result = Mutex<[Float]>([])
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
      let y = noGrad { model(x) }.scalars
      result.withLock { $0 = y }
    }
    group.wait()
    #expect(result.withLock { $0 } == onCaller)
    let fromTask = await Task.detached { noGrad { model(x) }.scalars }.value
    #expect(fromTask == onCaller)
  }
}
