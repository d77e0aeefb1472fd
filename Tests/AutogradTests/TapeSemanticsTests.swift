import Autograd
import Foundation
import Testing

/// The tape's PyTorch semantics, one test per rule.
@Suite("Tape semantics")
struct TapeSemanticsTests {
  @Test("requiresGrad propagates from inputs to outputs, and only there")
  func requiresGradPropagates() {
    let a = Tensor.ones([2]).requiringGrad()
    let b = Tensor.ones([2])
    #expect((a + b).requiresGrad)
    #expect(!(b * 2).requiresGrad)
    #expect(!(a + b).isLeaf)
    #expect(a.isLeaf && b.isLeaf)
    #expect((a * b).gradFunction == .mul)
    #expect(a.gradFunction == nil)
  }

  @Test("gradients accumulate into leaves over backward calls until zeroed")
  func gradientsAccumulate() {
    let x = Tensor(shape: [2], scalars: [1.0, 2.0]).requiringGrad()
    (x * 3).sum().backward()
    #expect(x.grad?.doubleScalars == [3, 3])
    (x * x).sum().backward()
    #expect(x.grad?.doubleScalars == [5, 7])
    x.zeroGrad()
    #expect(x.grad == nil)
    (x * 2).sum().backward()
    #expect(x.grad?.doubleScalars == [2, 2])
  }

  @Test("non-leaf tensors keep no grad unless retainGrad() is called")
  func nonLeafGrad() {
    let x = Tensor(shape: [2], scalars: [1.0, 2.0]).requiringGrad()
    let y = x * 2
    let z = y * 3
    z.retainGrad()
    z.sum().backward()
    #expect(y.grad == nil)
    #expect(z.grad?.doubleScalars == [1, 1])
    #expect(x.grad?.doubleScalars == [6, 6])
  }

  @Test("a tensor used on several paths gets the sum of their gradients, each node once")
  func reusedNodes() {
    let a = Tensor(shape: [], scalars: [3.0]).requiringGrad()
    let b = a + a
    let c = b + b
    c.backward()
    #expect(a.grad?.item() == 4)
    let d = Tensor(shape: [], scalars: [2.0]).requiringGrad()
    (d * d * d).backward()
    #expect(d.grad?.item() == 12)
  }

  @Test("the gradient of a broadcast input is summed back to its shape")
  func broadcastGradientShape() {
    let a = Tensor.ones([3, 1], dtype: .float64).requiringGrad()
    let b = Tensor.ones([4], dtype: .float64).requiringGrad()
    let c = Tensor.ones([2, 1, 1], dtype: .float64).requiringGrad()
    (a * b + c).sum().backward()
    #expect(a.grad?.shape == [3, 1])
    #expect(a.grad?.doubleScalars == [8, 8, 8])
    #expect(b.grad?.shape == [4])
    #expect(b.grad?.doubleScalars == [6, 6, 6, 6])
    #expect(c.grad?.shape == [2, 1, 1])
    #expect(c.grad?.doubleScalars == [12, 12])
  }

  @Test("retainGraph: true allows a second backward through the same graph")
  func retainGraph() {
    let x = Tensor(shape: [2], scalars: [1.0, -1.0]).requiringGrad()
    let y = (x * x).sum()
    y.backward(retainGraph: true)
    y.backward()
    #expect(x.grad?.doubleScalars == [4, -4])
  }

  @Test("a second backward through a freed graph stops with a clear message")
  func secondBackwardStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor(shape: [2], scalars: [1.0, 2.0]).requiringGrad()
      let y = (x * x).sum()
      y.backward()
      y.backward()
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("backward through the graph a second time"))
    #expect(stderr.contains("retainGraph: true"))
  }

  @Test("backward on a non-scalar without a gradient stops with a message saying so")
  func nonScalarBackwardStops() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      let x = Tensor.ones([2, 3]).requiringGrad()
      (x * 2).backward()
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("grad can be implicitly created only for scalar outputs"))
    #expect(stderr.contains("[2, 3]"))
  }

  @Test("backward on a non-scalar with an explicit gradient is a vector-Jacobian product")
  func nonScalarWithGradient() {
    let x = Tensor(shape: [3], scalars: [1.0, 2.0, 3.0]).requiringGrad()
    (x * x).backward(gradient: Tensor(shape: [3], scalars: [1.0, 0.5, 0.0]))
    #expect(x.grad?.doubleScalars == [2, 2, 0])
  }

  @Test("a shape mismatch stops with a message naming the op and both shapes")
  func shapeMismatchMessage() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones([2, 3]).matmul(Tensor.ones([2, 3]))
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("matmul"))
    #expect(stderr.contains("[2, 3] and [2, 3]"))
  }

  @Test("a bad axis stops with a message naming the op and the shape")
  func badAxisMessage() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      _ = Tensor.ones([2, 3]).softmax(dim: 2)
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("softmax: dimension 2 out of range"))
  }

  @Test("noGrad switches recording off on this thread only")
  func noGradIsPerThread() async {
    let x = Tensor.ones([2]).requiringGrad()
    noGrad {
      #expect(!(x * 2).requiresGrad)
      #expect(!isGradEnabled)
      let other = Thread.detachNewThreadAndWait { isGradEnabled && (x * 2).requiresGrad }
      #expect(other, "another thread records while this one is in noGrad")
    }
    #expect((x * 2).requiresGrad)
  }

  @Test("detached() cuts the tape but shares values")
  func detachedCutsTape() {
    let x = Tensor(shape: [2], scalars: [1.0, 2.0]).requiringGrad()
    let d = (x * 2).detached()
    #expect(!d.requiresGrad)
    #expect(d.doubleScalars == [2, 4])
    let y = (d * x).sum()
    y.backward()
    #expect(x.grad?.doubleScalars == [2, 4])
  }

  @Test("a chain of 100,000 ops backpropagates and frees without overflowing the stack")
  func deepGraph() {
    let x = Tensor(shape: [], scalars: [1.0] as [Double]).requiringGrad()
    var y = x
    for _ in 0..<100_000 { y = y * 1.00001 }
    y.backward()
    let expected = Foundation.pow(1.00001, 100_000.0)
    #expect(abs(x.grad!.item() - expected) < 1e-9 * expected)
    // Dropping a deep graph that was never backpropagated must not recurse either.
    var z = x
    for _ in 0..<100_000 { z = z + 1 }
    #expect(z.item() == 100_001)
  }

  @Test("the tape's memory is released: 10,000 training steps show no growth")
  func noMemoryGrowth() async {
    // Runs in its own process so that other tests running in parallel do not move the RSS.
    let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
      let gen = Generator(seed: 1)
      let xs = Tensor.randn([32, 8], generator: gen)
      let ys = xs.matmul(Tensor.randn([8, 1], generator: gen))
      var w = Tensor.zeros([8, 1]).requiringGrad()
      func step() {
        let loss = (xs.matmul(w) - ys).pow(2).mean()
        loss.backward()
        w = noGrad { (w - w.grad! * 0.05) }.requiringGrad()
      }
      for _ in 0..<1_000 { step() }
      let before = residentBytes()
      for _ in 0..<9_000 { step() }
      let growth = residentBytes() - before
      let loss = noGrad { (xs.matmul(w) - ys).pow(2).mean().item() }
      FileHandle.standardError.write(Data("growth \(growth) bytes, loss \(loss)\n".utf8))
      exit(growth < 1 << 20 && loss < 1e-6 ? 0 : 1)
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("growth"), "\(stderr)")
  }
}

/// Resident set size of this process, from /proc/self/statm.
func residentBytes() -> Int {
  guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
    return 0
  }
  let fields = text.split(separator: " ")
  return (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
}

extension Thread {
  /// Runs `body` on a new thread and waits for its result.
  static func detachNewThreadAndWait(_ body: @escaping @Sendable () -> Bool) -> Bool {
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result = false
    Thread.detachNewThread {
      result = body()
      done.signal()
    }
    done.wait()
    return result
  }
}

@Suite("Anomaly detection")
struct AnomalyTests {
  @Test("anomaly mode stops at the op whose backward produced a NaN")
  func anomalyNamesTheOp() async {
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      withAnomalyDetection {
        let x = Tensor(shape: [2], scalars: [0.0, 1.0] as [Double]).requiringGrad()
        x.sqrt().sum().backward()  // d√x/dx at 0 is infinite
      }
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains("anomaly: the backward of sqrt"))
  }

  @Test("without anomaly mode the same backward completes with an infinite gradient")
  func noAnomalyMode() {
    let x = Tensor(shape: [2], scalars: [0.0, 1.0] as [Double]).requiringGrad()
    x.sqrt().sum().backward()
    #expect(x.grad!.doubleScalars[0].isInfinite)
  }
}

/// An unrecorded backward adds slice gradients into one pending buffer of the sliced tensor's
/// shape (`Tape.run`'s slice path); a recorded one (`createGraph`) runs the slice's rule.
@Suite("slice gradients")
struct SliceGradientTests {
  @Test("overlapping, strided and mixed uses of one tensor: the same gradient either way")
  func sliceFastPathMatchesRule() {
    for dtype in [DType.float64, .float32] {
      let x = sample([6, 5, 4], seed: 70).to(dtype).requiringGrad()
      func objective() -> Tensor {
        x.slice(dim: 0, start: 0, end: 3).sum() * 2
          + x.slice(dim: 0, start: 2, end: 6, step: 2).pow(2).sum()
          + (x * 3).sum()
          + x.slice(dim: 1, start: 1, end: 4).exp().sum()
          + x.slice(dim: 0, start: 1, end: 2).slice(dim: 2, start: 1, end: 3).sum() * 5
      }
      let fast = grad(objective(), x).doubleScalars
      let rule = grad(objective(), x, createGraph: true).doubleScalars
      #expect(fast == rule, "\(dtype)")
    }
  }

  @Test("per-step slices of a sequence (as an RNN takes them) accumulate into the leaf")
  func perStepSlices() {
    let steps = 35
    let x = Tensor.zeros([steps, 3, 4]).requiringGrad()
    var total = Tensor(0.0)
    for t in 0..<steps { total = total + x.slice(dim: 0, start: t, end: t + 1).sum() * Double(t) }
    total.backward(retainGraph: true)
    total.backward()
    let g = x.grad!.doubleScalars
    for t in 0..<steps { #expect(g[(t * 12)..<((t + 1) * 12)].allSatisfy { $0 == 2 * Double(t) }) }
  }

  @Test("fan-in sums added in place: the same gradients as the recorded pass, targets untouched")
  func inPlaceAccumulation() {
    let x = sample([4, 5], seed: 71).requiringGrad()
    func objective() -> (Tensor, Tensor) {
      let a = x * 1.5
      // `a` feeds five ops (one an identity-like reshape pair), `x` three.
      let uses =
        a + a + a.exp() + a.reshape([20]).reshape([4, 5]) + a.slice(dim: 0, start: 1, end: 3).sum()
      return ((uses * x + x).sum(), a)
    }
    let (fastOut, fastA) = objective()
    let fast = grad([fastOut], [x, fastA])
    let (ruleOut, ruleA) = objective()
    let rule = grad([ruleOut], [x, ruleA], createGraph: true)
    #expect(fast[0]!.doubleScalars == rule[0]!.doubleScalars)
    #expect(fast[1]!.doubleScalars == rule[1]!.doubleScalars)
  }
}
