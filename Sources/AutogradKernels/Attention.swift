// Scaled dot-product attention, one (query, key, value) triple per batch entry, forward and
// backward, with the per-entry matrix products run serially inside one task per entry.

extension Kernels {
  /// `weights = softmax(q·kᵀ·scale + causal)`, `output = (weights ⊙ mask)·v` for `batch`
  /// independent entries: q [l, e], k [s, e], v [s, ev] and o [l, ev] per entry, where
  /// `layouts` puts them (contiguous entries when `nil`); `p` is contiguous [batch, l, s].
  ///
  /// With `causal`, query row `i` sees keys `0...i` only (the others get weight 0, as an
  /// additive −∞ bias gives). `dropoutMask` [l, s] per entry (0 or 1/(1 − p)), when given,
  /// scales the weights before the product with v; `weights` keeps the softmax itself.
  ///
  /// Each entry runs serial GEMMs and the softmax row kernel of the composed ops (a product, a
  /// scalar multiply, the causal bias, a softmax, a dropout multiply, a product), so the result
  /// equals theirs to rounding, and is the same for any thread count; entries are split over
  /// the kernel threads.
  @inlinable public static func attentionForward<T: KernelScalar>(
    query q: UnsafePointer<T>, key k: UnsafePointer<T>, value v: UnsafePointer<T>,
    dropoutMask mask: UnsafePointer<T>?, weights p: UnsafeMutablePointer<T>,
    output o: UnsafeMutablePointer<T>, batch: Int, l: Int, s: Int, e: Int, ev: Int, scale: T,
    causal: Bool, layouts: AttentionLayouts? = nil
  ) {
    let layouts = layouts ?? AttentionLayouts(l: l, s: s, e: e, ev: ev)
    let pointers = UncheckedSendable((q, k, v, mask, p, o))
    eachAttentionEntry(batch) { b in
      let (q, k, v, mask, p, o) = pointers.value
      let pb = p + b * l * s
      let (qb, kb, vb, ob) = (
        q + layouts.query.offset(b), k + layouts.key.offset(b), v + layouts.value.offset(b),
        o + layouts.output.offset(b)
      )
      let (ldq, ldk, ldv, ldo) = (
        layouts.query.rowStride, layouts.key.rowStride, layouts.value.rowStride,
        layouts.output.rowStride
      )
      gemm(
        T.self, transA: false, transB: true, m: l, n: s, k: e, a: qb, lda: ldq, b: kb, ldb: ldk,
        beta: 0, c: pb, ldc: s)
      for i in 0..<l {
        // The whole row, blocked keys at −∞ as the additive bias makes them (exp gives 0, so
        // the sums are those of the visible keys): full-width vectors, no ragged tails.
        let row = pb + i * s
        let visible = causal ? Swift.min(i + 1, s) : s
        for j in 0..<visible { row[j] *= scale }
        for j in visible..<s { row[j] = -.infinity }
        attentionSoftmaxRow(row, n: s, live: visible)
      }
      if let mask {
        // The dropped weights in a scratch block; `p` keeps the softmax for the backward pass.
        withScratch(T.self, count: l * s) { dropped in
          let mb = mask + b * l * s
          for j in 0..<(l * s) { dropped[j] = pb[j] * mb[j] }
          gemm(
            T.self, transA: false, transB: false, m: l, n: ev, k: s, a: dropped, lda: s, b: vb,
            ldb: ldv, beta: 0, c: ob, ldc: ldo)
        }
      } else {
        gemm(
          T.self, transA: false, transB: false, m: l, n: ev, k: s, a: pb, lda: s, b: vb,
          ldb: ldv, beta: 0, c: ob, ldc: ldo)
      }
    }
  }

  /// The gradients of ``attentionForward(query:key:value:dropoutMask:weights:output:batch:l:s:e:ev:scale:causal:)``
  /// from the gradient `g` [l, ev] per entry of its output and its saved `weights`:
  /// `dv = (w ⊙ mask)ᵀ·g`, `dw = (g·vᵀ) ⊙ mask`, `ds = (w ⊙ (dw − Σ dw ⊙ w))·scale`,
  /// `dq = ds·k`, `dk = dsᵀ·q`. A `nil` output gradient is not computed. `g` and each input's
  /// gradient have the layout of the output and of that input.
  ///
  /// The same serial products and softmax rule per entry for any thread count.
  @inlinable public static func attentionBackward<T: KernelScalar>(
    gradOutput g: UnsafePointer<T>, query q: UnsafePointer<T>, key k: UnsafePointer<T>,
    value v: UnsafePointer<T>, weights p: UnsafePointer<T>, dropoutMask mask: UnsafePointer<T>?,
    gradQuery dq: UnsafeMutablePointer<T>?, gradKey dk: UnsafeMutablePointer<T>?,
    gradValue dv: UnsafeMutablePointer<T>?, batch: Int, l: Int, s: Int, e: Int, ev: Int,
    scale: T, layouts: AttentionLayouts? = nil
  ) {
    let layouts = layouts ?? AttentionLayouts(l: l, s: s, e: e, ev: ev)
    let pointers = UncheckedSendable((g, q, k, v, p, mask, dq, dk, dv))
    eachAttentionEntry(batch) { b in
      let (g, q, k, v, p, mask, dq, dk, dv) = pointers.value
      let (pb, gb) = (p + b * l * s, g + layouts.output.offset(b))
      let (qOffset, kOffset, vOffset) = (
        layouts.query.offset(b), layouts.key.offset(b), layouts.value.offset(b)
      )
      let (ldq, ldk, ldv, ldo) = (
        layouts.query.rowStride, layouts.key.rowStride, layouts.value.rowStride,
        layouts.output.rowStride
      )
      let mb = mask.map { $0 + b * l * s }
      withScratch(T.self, count: l * s) { ds in
        if let dv {
          // dv = (w ⊙ mask)ᵀ·g, the dropped weights built in `ds` first.
          var dropped = pb
          if let mb {
            for j in 0..<(l * s) { ds[j] = pb[j] * mb[j] }
            dropped = UnsafePointer(ds)
          }
          gemm(
            T.self, transA: true, transB: false, m: s, n: ev, k: l, a: dropped, lda: s, b: gb,
            ldb: ldo, beta: 0, c: dv + vOffset, ldc: ldv)
        }
        guard dq != nil || dk != nil else { return }
        gemm(
          T.self, transA: false, transB: true, m: l, n: s, k: ev, a: gb, lda: ldo, b: v + vOffset,
          ldb: ldv, beta: 0, c: ds, ldc: s)
        if let mb { for j in 0..<(l * s) { ds[j] *= mb[j] } }
        for i in 0..<l { attentionSoftmaxBackwardRow(ds + i * s, pb + i * s, n: s, scale: scale) }
        if let dq {
          gemm(
            T.self, transA: false, transB: false, m: l, n: e, k: s, a: ds, lda: s, b: k + kOffset,
            ldb: ldk, beta: 0, c: dq + qOffset, ldc: ldq)
        }
        if let dk {
          gemm(
            T.self, transA: true, transB: false, m: s, n: e, k: l, a: ds, lda: s, b: q + qOffset,
            ldb: ldq, beta: 0, c: dk + kOffset, ldc: ldk)
        }
      }
    }
  }

  /// Runs `body` for every entry: one entry per task when there are enough to occupy the
  /// kernel threads (each entry's GEMMs then run serially), else in turn (each GEMM may use
  /// every thread). Either way every entry is computed the same way.
  @inlinable static func eachAttentionEntry(_ batch: Int, _ body: (Int) -> Void) {
    if batch >= threadCount() && !isInParallelRegion {
      parallelFor(batch, body)
    } else {
      for b in 0..<batch { body(b) }
    }
  }

  /// Softmax of a contiguous row of `n` elements in place (the `Float` row kernel of
  /// ``softmaxAxis(_:_:outer:n:inner:log:)``, or its scalar loop for `Double`), whose elements
  /// from `live` on are −∞.
  @inlinable static func attentionSoftmaxRow<T: KernelScalar>(
    _ row: UnsafeMutablePointer<T>, n: Int, live: Int
  ) {
    if T.self == Float.self {
      let r = UnsafeMutableRawPointer(row).assumingMemoryBound(to: Float.self)
      softmaxRow(UnsafePointer(r), r, n: n, log: false, live: live)
    } else {
      softmaxStrided(UnsafePointer(row), row, n: n, stride: 1, log: false)
    }
  }

  /// `d ← (d ⊙ w − w·Σ(d ⊙ w))·scale` for one row of `n` elements: the softmax derivative rule
  /// (summed as ``sumAxis(_:_:outer:n:inner:)`` sums), then the scale's.
  @inlinable static func attentionSoftmaxBackwardRow<T: KernelScalar>(
    _ d: UnsafeMutablePointer<T>, _ w: UnsafePointer<T>, n: Int, scale: T
  ) {
    for j in 0..<n { d[j] = d[j] * w[j] }
    var total: T = 0
    sumAxis(UnsafePointer(d), &total, rows: 1, n: n, inner: 1)
    for j in 0..<n { d[j] = (d[j] - w[j] * total) * scale }
  }
}

/// Where one attention operand's entries lie in its buffer: entry `b` is head `b % heads` of
/// outer entry `b / heads`, and starts at `(b / heads)·outerStride + (b % heads)·headStride`;
/// its rows (positions) are `rowStride` elements apart, its columns contiguous.
///
/// Contiguous [batch, rows, width] entries have one head, `outerStride` rows·width and
/// `rowStride` width; the heads of a packed [N, T, 3E] projection are strided views of it.
public struct AttentionLayout: Sendable {
  /// Heads per outer entry.
  public var heads: Int
  /// Elements between consecutive outer entries (e.g. batch items).
  public var outerStride: Int
  /// Elements between consecutive heads of an outer entry.
  public var headStride: Int
  /// Elements between consecutive rows of one entry.
  public var rowStride: Int

  /// A layout from its strides.
  public init(heads: Int, outerStride: Int, headStride: Int, rowStride: Int) {
    (self.heads, self.outerStride, self.headStride, self.rowStride) = (
      heads, outerStride, headStride, rowStride
    )
  }

  /// Contiguous entries of `rows` rows of `width` elements.
  public static func contiguous(rows: Int, width: Int) -> AttentionLayout {
    AttentionLayout(heads: 1, outerStride: rows * width, headStride: 0, rowStride: width)
  }

  /// The first element of entry `b`.
  @inlinable func offset(_ b: Int) -> Int { b / heads * outerStride + b % heads * headStride }
}

/// The layouts of an attention's query, key, value and output (the gradients of each share its
/// layout); the weights and the dropout mask are always contiguous [batch, l, s].
public struct AttentionLayouts: Sendable {
  /// The query's layout (and its gradient's).
  public var query: AttentionLayout
  /// The key's layout (and its gradient's).
  public var key: AttentionLayout
  /// The value's layout (and its gradient's).
  public var value: AttentionLayout
  /// The output's layout (and its gradient's).
  public var output: AttentionLayout

  /// The four layouts.
  public init(
    query: AttentionLayout, key: AttentionLayout, value: AttentionLayout, output: AttentionLayout
  ) {
    (self.query, self.key, self.value, self.output) = (query, key, value, output)
  }

  /// Contiguous query [l, e], key [s, e], value [s, ev] and output [l, ev] entries.
  public init(l: Int, s: Int, e: Int, ev: Int) {
    self.init(
      query: .contiguous(rows: l, width: e), key: .contiguous(rows: s, width: e),
      value: .contiguous(rows: s, width: ev), output: .contiguous(rows: l, width: ev))
  }
}
