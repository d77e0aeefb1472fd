// The elementwise update of an LSTM step as one op: four gate activations, the new cell state
// and the new hidden state in one pass, and their gradients in another.

import AutogradKernels

/// The LSTM cell update from pre-activation `gates` [..., 4H] (the input, forget, cell and output
/// blocks, PyTorch's order: `W_ih·x + b_ih + W_hh·h + b_hh`) and the cell state `c` [..., H]:
/// `c' = σ(f)·c + σ(i)·tanh(g)` and `h' = σ(o)·tanh(c')`.
///
/// The same values as composing `chunk`, `sigmoid`, `tanh`, `*` and `+` (to rounding), as one
/// recorded op instead of eleven (and two slices of its [..., 2H] result). Differentiable to any
/// order: without `createGraph` the gradients come from one kernel pass; with it, from the same
/// rule written in differentiable ops.
public func lstmCell(gates: Tensor, c: Tensor) -> (h: Tensor, c: Tensor) {
  gates.requireFloat(.lstmCell)
  let last = gates.rank - 1
  let h = c.shape.last ?? 0
  check(
    gates.rank >= 1 && c.rank == gates.rank && gates.shape.dropLast() == c.shape.dropLast()
      && gates.shape[last] == 4 * h && c.dtype == gates.dtype,
    "lstmCell: gates of shape \(gates.shape) and c of shape \(c.shape) do not match (expected [..., 4H] and [..., H] of one type)"
  )
  let rows = h == 0 ? 0 : c.count / h
  let out = Tensor(uninitializedShape: Array(c.shape.dropLast()) + [2 * h], dtype: c.dtype)
  func forward<T: TensorScalar>(_: T.Type) {
    Kernels.lstmCellForward(
      gates: gates.storage.pointer(T.self), c: c.storage.pointer(T.self),
      out: out.storage.pointer(T.self), n: rows, h: h)
  }
  if c.dtype == .float32 { forward(Float.self) } else { forward(Double.self) }
  let state = Tensor.record(.lstmCell, inputs: [gates, c], output: out) { ctx in
    let g = ctx.gradOutput
    let needs = [ctx.needsGradient(ofInput: 0), ctx.needsGradient(ofInput: 1)]
    if isGradEnabled { return composedLSTMCellGradients(g, gates, c, needs: needs) }
    let grads = [gates, c].enumerated().map { index, x in
      needs[index] ? Tensor(uninitializedShape: x.shape, dtype: x.dtype) : nil
    }
    func backward<T: TensorScalar>(_: T.Type) {
      Kernels.lstmCellBackward(
        gradOutput: g.storage.pointer(T.self), gates: gates.storage.pointer(T.self),
        c: c.storage.pointer(T.self), gradGates: grads[0].map { $0.storage.pointer(T.self) },
        gradC: grads[1].map { $0.storage.pointer(T.self) }, n: rows, h: h)
    }
    if c.dtype == .float32 { backward(Float.self) } else { backward(Double.self) }
    return grads
  }
  return (state.slice(dim: last, start: 0, end: h), state.slice(dim: last, start: h, end: 2 * h))
}

/// The derivative rule of ``lstmCell(gates:c:)`` in differentiable ops (used under
/// `createGraph`), from the gradient `g` [..., 2H] of (h', c').
func composedLSTMCellGradients(
  _ g: Tensor, _ gates: Tensor, _ c: Tensor, needs: [Bool]
) -> [Tensor?] {
  let last = gates.rank - 1
  let h = c.shape[last]
  let parts = gates.chunk(4, dim: last)
  let (i, f, cell, o) = (
    parts[0].sigmoid(), parts[1].sigmoid(), parts[2].tanh(), parts[3].sigmoid()
  )
  let tc = (f * c + i * cell).tanh()
  let dh = g.slice(dim: last, start: 0, end: h)
  let dc = g.slice(dim: last, start: h, end: 2 * h) + dh * o * (1 - tc * tc)
  let dGates =
    needs[0]
    ? Tensor.cat(
      [
        dc * cell * i * (1 - i), dc * c * f * (1 - f), dc * i * (1 - cell * cell),
        dh * tc * o * (1 - o),
      ], dim: last) : nil
  return [dGates, needs[1] ? dc * f : nil]
}
