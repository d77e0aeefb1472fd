import AutogradKernels

// Functional transforms built on `grad`, like `torch.autograd.functional`: vjp, jvp, jacobian,
// hessian, hvp and vhp. Each takes the function and the point, and returns values (not closures).

/// The value of `f` at `x` and the vector-Jacobian product `vᵀ·∂f/∂x`, like
/// `torch.autograd.functional.vjp`. `v` has the output's shape (it may be omitted for a
/// one-element output). With `createGraph` the product can be differentiated again.
public func vjp(
  _ f: (Tensor) -> Tensor, at x: Tensor, v: Tensor? = nil, createGraph: Bool = false
) -> (value: Tensor, vjp: Tensor) {
  let (value, products) = vjp({ f($0[0]) }, at: [x], v: v, createGraph: createGraph)
  return (value, products[0])
}

/// `vjp` for a function of several inputs: one product per input (zeros for inputs `f` does
/// not use).
public func vjp(
  _ f: ([Tensor]) -> Tensor, at inputs: [Tensor], v: Tensor? = nil, createGraph: Bool = false
) -> (value: Tensor, vjp: [Tensor]) {
  let leaves = inputs.map(transformLeaf)
  let value = withGradEnabled(true) { f(leaves) }
  guard value.requiresGrad else {
    return (value, inputs.map { Tensor.zeros(like: $0) })
  }
  let products = grad(
    [value], leaves, gradOutputs: [v], retainGraph: createGraph, createGraph: createGraph,
    allowUnused: true)
  return (
    createGraph ? value : value.detached(),
    zip(products, inputs).map { $0 ?? Tensor.zeros(like: $1) }
  )
}

/// The value of `f` at `x` and the Jacobian-vector product `∂f/∂x·v`, like
/// `torch.autograd.functional.jvp`, by the double-vjp trick: `u ↦ uᵀ·J` is linear in `u`, so its
/// own vjp with `v` is `J·v`. `v` has the input's shape.
public func jvp(
  _ f: (Tensor) -> Tensor, at x: Tensor, v: Tensor, createGraph: Bool = false
) -> (value: Tensor, jvp: Tensor) {
  check(
    v.shape == x.shape, "jvp: v of shape \(v.shape) does not match the input shape \(x.shape)")
  let leaf = transformLeaf(x)
  return withGradEnabled(true) {
    let value = f(leaf)
    guard value.requiresGrad else { return (value, Tensor.zeros(like: value)) }
    let u = Tensor.zeros(like: value).requiringGrad()
    let uJ = grad([value], [leaf], gradOutputs: [u], createGraph: true, allowUnused: true)[0]
    guard let uJ, uJ.requiresGrad else { return (value.detached(), Tensor.zeros(like: value)) }
    let product = grad(
      [uJ], [u], gradOutputs: [v.to(uJ.dtype)], createGraph: createGraph, allowUnused: true)[0]
    return (createGraph ? value : value.detached(), product ?? Tensor.zeros(like: value))
  }
}

/// The Jacobian of `f` at `x`, of shape `f(x).shape + x.shape`, like
/// `torch.autograd.functional.jacobian`: one vector-Jacobian product per output element.
public func jacobian(_ f: (Tensor) -> Tensor, at x: Tensor, createGraph: Bool = false)
  -> Tensor
{
  let leaf = transformLeaf(x)
  let value = withGradEnabled(true) { f(leaf) }
  guard value.requiresGrad else { return Tensor.zeros(value.shape + x.shape, dtype: x.dtype) }
  let rows = (0..<value.count).map { j -> Tensor in
    var seed = [Double](repeating: 0, count: value.count)
    seed[j] = 1
    let oneHot = Tensor(shape: value.shape, scalars: seed).to(value.dtype)
    let row = withGradEnabled(true) {
      grad(
        [value], [leaf], gradOutputs: [oneHot], retainGraph: true, createGraph: createGraph,
        allowUnused: true)[0]
    }
    return (row ?? Tensor.zeros(like: x)).reshape([x.count])
  }
  return Tensor.stack(rows).reshape(value.shape + x.shape)
}

/// The Hessian of the scalar function `f` at `x`, of shape `x.shape + x.shape`, like
/// `torch.autograd.functional.hessian`: the Jacobian of the gradient.
public func hessian(_ f: (Tensor) -> Tensor, at x: Tensor) -> Tensor {
  jacobian({ y in gradient(f, at: y, createGraph: true) }, at: x)
}

/// The value of the scalar function `f` at `x` and the Hessian-vector product `H·v`, like
/// `torch.autograd.functional.hvp` (by the double-vjp trick applied to the gradient).
public func hvp(_ f: (Tensor) -> Tensor, at x: Tensor, v: Tensor) -> (value: Tensor, hvp: Tensor) {
  let leaf = transformLeaf(x)
  let value = withGradEnabled(true) { f(leaf) }
  let (_, product) = jvp({ y in gradient(f, at: y, createGraph: true) }, at: leaf, v: v)
  return (value.detached(), product)
}

/// The value of the scalar function `f` at `x` and the vector-Hessian product `vᵀ·H`, like
/// `torch.autograd.functional.vhp`: the gradient of `∇f·v`.
public func vhp(_ f: (Tensor) -> Tensor, at x: Tensor, v: Tensor) -> (value: Tensor, vhp: Tensor) {
  check(
    v.shape == x.shape, "vhp: v of shape \(v.shape) does not match the input shape \(x.shape)")
  let leaf = transformLeaf(x)
  return withGradEnabled(true) {
    let value = f(leaf)
    let g = gradient(f, at: leaf, createGraph: true, value: value)
    guard g.requiresGrad else { return (value.detached(), Tensor.zeros(like: x)) }
    let product = grad([g], [leaf], gradOutputs: [v.to(g.dtype)], allowUnused: true)[0]
    return (value.detached(), product ?? Tensor.zeros(like: x))
  }
}

/// The gradient of the scalar function `f` at `x` (zeros where `f` does not depend on `x`).
public func gradient(_ f: (Tensor) -> Tensor, at x: Tensor, createGraph: Bool = false)
  -> Tensor
{
  let leaf = transformLeaf(x)
  return withGradEnabled(true) { gradient(f, at: leaf, createGraph: createGraph, value: f(leaf)) }
}

/// The gradient of `value` (= `f(leaf)`) with respect to `leaf`.
private func gradient(
  _ f: (Tensor) -> Tensor, at leaf: Tensor, createGraph: Bool, value: Tensor
) -> Tensor {
  check(
    value.count == 1,
    "gradient: the function must return one element, got shape \(value.shape)")
  guard value.requiresGrad else { return Tensor.zeros(like: leaf) }
  return grad(
    [value], [leaf], retainGraph: createGraph, createGraph: createGraph, allowUnused: true)[0]
    ?? Tensor.zeros(like: leaf)
}

/// `x` itself when it is already on the tape (so that an outer derivative sees through the
/// transform), else a fresh leaf sharing its storage.
private func transformLeaf(_ x: Tensor) -> Tensor {
  check(
    x.dtype.isFloatingPoint, "transforms: inputs must be floating-point, got \(x.dtype)")
  return x.requiresGrad && isGradEnabled ? x : x.requiringGrad()
}
