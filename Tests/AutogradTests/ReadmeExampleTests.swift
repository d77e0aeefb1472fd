import Autograd
import Testing

/// The README's first example, kept compiling and correct here.
@Test("README example: fit y = 3x − 1 with a tape and a manual update loop")
func readmeExample() {
  // --- README example begins ---
  let x = Tensor.arange(-1, 1, step: 0.1).reshape([-1, 1])  // 20 inputs, shape [20, 1]
  let y = 3 * x - 1  // targets
  var w = Tensor.zeros([1, 1]).requiringGrad()
  var b = Tensor.zeros([1]).requiringGrad()
  for step in 0..<200 {
    let loss = (x.matmul(w) + b - y).pow(2).mean()
    loss.backward()  // fills w.grad and b.grad
    noGrad {
      w = (w - 0.1 * w.grad!).requiringGrad()
      b = (b - 0.1 * b.grad!).requiringGrad()
    }
    if step % 50 == 0 { print("step \(step), loss \(loss.item())") }
  }
  print(w, b)  // ≈ 3 and ≈ −1
  // --- README example ends ---
  #expect(abs(w.item() - 3) < 1e-3)
  #expect(abs(b.item() + 1) < 1e-3)
}
