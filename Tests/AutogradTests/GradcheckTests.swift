import Autograd
import Foundation
import Testing

@Suite("Op table: gradients, second derivatives, forward values and errors")
struct GradcheckTests {
  @Test("every op in the table passes gradcheck", arguments: opTable)
  func opPassesGradcheck(_ op: OpCase) {
    let result = gradcheck(op.name, inputs: op.inputs, eps: op.eps, op.function)
    #expect(result.passed, "\(result)")
    #expect(result.checkedElements > 0)
  }

  @Test("every op in the table passes gradgradcheck", arguments: opTable)
  func opPassesGradgradcheck(_ op: OpCase) {
    let result = gradgradcheck(op.name, inputs: op.inputs, eps: op.eps, op.function)
    #expect(result.passed, "\(result)")
    #expect(result.checkedElements > 0)
  }

  @Test(
    "forward values match the Float64 reference in every dtype of the row",
    arguments: opTable.filter { $0.reference != nil })
  func forwardMatchesReference(_ op: OpCase) {
    let expected = op.reference!(op.inputs)
    for dtype in op.dtypes {
      let inputs = op.inputs.map { $0.dtype == .int64 ? $0 : $0.to(dtype) }
      let values = op.function(inputs).doubleScalars
      let tolerance = dtype == .float64 ? 1e-12 : 1e-5
      #expect(values.count == expected.count, "\(op.name) \(dtype)")
      for (v, e) in zip(values, expected) {
        #expect(Swift.abs(v - e) <= tolerance * Swift.max(1, Swift.abs(e)), "\(op.name) \(dtype): \(v) vs \(e)")
      }
    }
  }

  @Test(
    "bad inputs stop with a message naming the op and the shapes",
    arguments: opTable.indices.flatMap { row in opTable[row].errors.indices.map { [row, $0] } })
  func errorInputsStop(_ position: [Int]) async {
    let message = opTable[position[0]].errors[position[1]].message
    let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
      [position] in
      opTable[position[0]].errors[position[1]].body()
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.contains(message), "stderr: \(stderr)")
  }

  @Test("the table covers every differentiable op, to first and to second order")
  func tableCoversEveryOp() {
    var covered = Set<OpKind>()
    var backwardGraphs = Set<OpKind>()
    for op in opTable {
      let leaves = op.inputs.map { $0.dtype == .float64 ? $0.requiringGrad() : $0 }
      let output = op.function(leaves)
      covered.formUnion(output.recordedOps)
      // The ops the backward records under createGraph: their first derivatives are what
      // gradgradcheck checks.
      let v = Tensor.ones(output.shape, dtype: output.dtype).requiringGrad()
      let wrt = leaves.filter(\.requiresGrad)
      for g in grad([output], wrt, gradOutputs: [v], createGraph: true, allowUnused: true) {
        if let g { backwardGraphs.formUnion(g.recordedOps) }
      }
    }
    let differentiable = OpKind.builtIn.filter(\.isDifferentiable)
    let missing = differentiable.filter { !covered.contains($0) && !backwardGraphs.contains($0) }
    // Every row is gradgradchecked, so every op recorded forward has its second derivative
    // checked, and every op recorded by a backward has its first.
    #expect(missing.isEmpty, "ops without a row (forward, or in a recorded backward): \(missing)")
  }

  @Test("gradcheck catches a wrong gradient and names the worst element")
  func gradcheckDetectsWrongGradient() {
    // x.detached() * x has true derivative 2x but the tape sees only x: analytic is half.
    let x = Tensor(shape: [3], scalars: [1.0, 2.0, 3.0] as [Double])
    let result = gradcheck("half-gradient", inputs: [x]) { $0[0].detached() * $0[0] }
    #expect(!result.passed)
    #expect(result.elementIndex == 2)
    #expect(Swift.abs(result.numeric - 6) < 1e-6)
    #expect(Swift.abs(result.analytic - 3) < 1e-12)
    #expect(result.description.contains("half-gradient"))
  }

  @Test("gradgradcheck catches a backward that is right to first order but not to second")
  func gradgradcheckDetectsWrongSecondDerivative() {
    // A cube whose backward uses a detached x: its gradient 3x²·g is right, but the second
    // derivative through x is lost (the bug of pytorch #58509).
    struct DetachedCube: DifferentiableFunction {
      func forward(_ ctx: inout FunctionContext, _ inputs: [Tensor]) -> Tensor {
        inputs[0].pow(3)
      }
      func backward(_ ctx: FunctionContext, _ gradOutput: Tensor) -> [Tensor?] {
        [gradOutput * 3 * self.saved.pow(2)]
      }
      let saved: Tensor
    }
    let x = Tensor(shape: [3], scalars: [0.5, -1.0, 2.0] as [Double])
    let first = gradcheck("detached cube", inputs: [x]) { DetachedCube(saved: $0[0].detached())($0[0]) }
    #expect(first.passed, "\(first)")
    let second = gradgradcheck("detached cube", inputs: [x]) {
      DetachedCube(saved: $0[0].detached())($0[0])
    }
    #expect(!second.passed)
  }
}
