import Autograd
import Testing

@Suite("Gradient checks (float64, central differences)")
struct GradcheckTests {
  @Test("every op in the table passes gradcheck", arguments: opTable)
  func opPassesGradcheck(_ op: OpCase) {
    let result = gradcheck(op.name, inputs: op.inputs, eps: op.eps, op.function)
    #expect(result.passed, "\(result)")
    #expect(result.checkedElements > 0)
  }

  @Test("the table covers every differentiable op")
  func tableCoversEveryOp() {
    var covered = Set<OpKind>()
    for op in opTable {
      let leaves = op.inputs.map { $0.dtype == .float64 ? $0.requiringGrad() : $0 }
      covered.formUnion(op.function(leaves).recordedOps)
    }
    let missing = OpKind.builtIn.filter { $0.isDifferentiable && !covered.contains($0) }
    #expect(missing.isEmpty, "ops without a gradcheck row: \(missing)")
  }

  @Test("gradcheck catches a wrong gradient and names the worst element")
  func gradcheckDetectsWrongGradient() {
    // x.detached() * x has true derivative 2x but the tape sees only x: analytic is half.
    let x = Tensor(shape: [3], scalars: [1.0, 2.0, 3.0] as [Double])
    let result = gradcheck("half-gradient", inputs: [x]) { $0[0].detached() * $0[0] }
    #expect(!result.passed)
    #expect(result.elementIndex == 2)
    #expect(abs(result.numeric - 6) < 1e-6)
    #expect(abs(result.analytic - 3) < 1e-12)
    #expect(result.description.contains("half-gradient"))
  }
}
