// Raw reductions and softmax along one axis of a tensor viewed as [outer, n, inner].

extension Kernels {
  /// `out[o, i] = Σ_j x[o, j, i]`, summed in increasing `j` (deterministic). Large inputs are
  /// split over the kernel threads by ranges of `o`, which does not change any sum.
  @inlinable public static func sumAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int
  ) {
    let (source, target) = (UncheckedSendable(x), UncheckedSendable(out))
    if outer == 1 && inner >= 2 * sumColumnsChunk && n * inner >= 4 * elementwiseChunk {
      // One long column sum (a bias gradient over many rows): split over the columns instead.
      let tasks = (inner + sumColumnsChunk - 1) / sumColumnsChunk
      parallelFor(tasks) { task in
        let first = task * sumColumnsChunk
        sumColumns(
          source.value + first, target.value + first, n: n,
          width: Swift.min(sumColumnsChunk, inner - first), stride: inner)
      }
      return
    }
    if outer == 1 && inner == 1 && n >= 2 * elementwiseChunk {
      // One long contiguous sum: its blocks are split over the threads instead.
      out[0] = sumOfTerms(Identity.self, x, count: n)
      return
    }
    forRowRanges(outer: outer, perRow: n * inner) { rows in
      sumAxis(
        source.value + rows.lowerBound * n * inner, target.value + rows.lowerBound * inner,
        rows: rows.count, n: n, inner: inner)
    }
  }

  /// `Σ_j x[j]²` over `count` contiguous elements, each square rounded to `T`: the same bits as
  /// summing a tensor of the squares with ``sumAxis(_:_:outer:n:inner:)``, without writing the
  /// squares (the 2-norm of a large gradient reads it once).
  @inlinable public static func sumOfSquares<T: KernelScalar>(
    _ x: UnsafePointer<T>, count: Int
  ) -> T {
    sumOfTerms(Square.self, x, count: count)
  }

  /// The terms of a sum: each element itself, or its square.
  @usableFromInline protocol SumTerm {
    /// The term of `x`.
    static func term<T: KernelScalar>(_ x: T) -> T
    /// The terms of eight floats.
    static func term(_ x: SIMD8<Float>) -> SIMD8<Float>
  }

  /// Each element itself: a plain sum.
  @usableFromInline enum Identity: SumTerm {
    @inlinable @inline(__always) static func term<T: KernelScalar>(_ x: T) -> T { x }
    @inlinable @inline(__always) static func term(_ x: SIMD8<Float>) -> SIMD8<Float> { x }
  }

  /// `x·x`: a sum of squares.
  @usableFromInline enum Square: SumTerm {
    @inlinable @inline(__always) static func term<T: KernelScalar>(_ x: T) -> T { x * x }
    @inlinable @inline(__always) static func term(_ x: SIMD8<Float>) -> SIMD8<Float> { x * x }
  }

  /// `Σ_j f(x[j])` in the order of ``sumAxis(_:_:rows:n:inner:)`` for one contiguous row: up to
  /// ``sumBlock`` terms left to right; longer sums as blocks of ``sumBlock`` terms, each left to
  /// right, whose partial sums are added pairwise. The blocks are independent, so runs of them
  /// are computed on the kernel threads; the result does not depend on the thread count.
  @inlinable static func sumOfTerms<T: KernelScalar, F: SumTerm>(
    _ f: F.Type, _ x: UnsafePointer<T>, count n: Int
  ) -> T {
    let blocks = (n + sumBlock - 1) / sumBlock
    if blocks <= 1 { return plainSum(f, x, n: n) }
    return withUnsafeTemporaryAllocation(of: T.self, capacity: blocks) { buffer in
      let partials = UncheckedSendable(buffer.baseAddress!)
      let source = UncheckedSendable(x)
      let blocksPerTask = Swift.max(4, elementwiseChunk / sumBlock)
      let tasks = (blocks + blocksPerTask - 1) / blocksPerTask
      parallelFor(tasks) { task in
        let first = task * blocksPerTask
        blockSums(
          f, source.value, count: n, blocks: first..<Swift.min(blocks, first + blocksPerTask),
          into: partials.value)
      }
      addPairwise(partials.value, blocks: blocks, width: 1)
      return partials.value[0]
    }
  }

  /// Columns per task when ``sumAxis(_:_:outer:n:inner:)`` splits one sum over its columns.
  public static let sumColumnsChunk = 2048

  /// `dst[i] = Σ_j src[j·stride + i]` for `i` in `0..<width`: left to right up to ``sumBlock``
  /// terms, then blocks added pairwise. The serial rule of ``sumAxis(_:_:rows:n:inner:)`` for
  /// `inner > 1` (whole rows: `width == stride`), and of its column split (a slice of them).
  @inlinable static func sumColumns<T: KernelScalar>(
    _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, n: Int, width: Int, stride: Int
  ) {
    @inline(__always) func plain(_ from: Int, _ to: Int, into q: UnsafeMutablePointer<T>) {
      for i in 0..<width { q[i] = 0 }
      for j in from..<to {
        let row = src + j * stride
        for i in 0..<width { q[i] += row[i] }
      }
    }
    let blocks = (n + sumBlock - 1) / sumBlock
    if blocks <= 1 {
      plain(0, n, into: dst)
      return
    }
    withUnsafeTemporaryAllocation(of: T.self, capacity: blocks * width) { buffer in
      let p = buffer.baseAddress!
      for b in 0..<blocks {
        plain(b * sumBlock, Swift.min(n, (b + 1) * sumBlock), into: p + b * width)
      }
      addPairwise(p, blocks: blocks, width: width)
      for i in 0..<width { dst[i] = p[i] }
    }
  }

  /// Terms summed in plain order before blocked summation takes over: a sum of up to this many
  /// terms is the plain left-to-right sum.
  public static let sumBlock = 1024

  /// The serial loop of ``sumAxis(_:_:outer:n:inner:)`` over `rows` values of `o`.
  ///
  /// Up to ``sumBlock`` terms are added left to right. Longer sums are cut into blocks of
  /// ``sumBlock`` terms, each added left to right, and the block sums are added pairwise, so
  /// that the rounding error grows like ``sumBlock`` + log₂(n/``sumBlock``) ulps instead of n
  /// (a plain float32 sum of a million small squares loses about 0.4 %). The order depends only
  /// on n, so every result is deterministic.
  ///
  /// Contiguous sums (`inner == 1`) run eight (`Float`) or four at a time, rows or blocks, as
  /// independent left-to-right chains: the same sums, several times the throughput of one chain.
  @inlinable static func sumAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, rows outer: Int, n: Int, inner: Int
  ) {
    let blocks = (n + sumBlock - 1) / sumBlock
    if inner == 1 && blocks <= 1 {
      // Rows of up to one block: each row is one run.
      runSums(Identity.self, x, runLength: n, total: outer * n, runs: 0..<outer, into: out)
      return
    }
    for o in 0..<outer {
      let src = x + o * n * inner
      let dst = out + o * inner
      if inner > 1 {
        sumColumns(src, dst, n: n, width: inner, stride: inner)
        continue
      }
      // One partial sum per block (the last may be short), then a pairwise tree over the blocks.
      withUnsafeTemporaryAllocation(of: T.self, capacity: blocks) { buffer in
        let p = buffer.baseAddress!
        blockSums(Identity.self, src, count: n, blocks: 0..<blocks, into: p)
        addPairwise(p, blocks: blocks, width: 1)
        dst[0] = p[0]
      }
    }
  }

  /// Adds `blocks` partial sums of `width` values each (`p[b·width + i]`) pairwise, in a tree
  /// that depends only on `blocks`, leaving the totals in `p[0..<width]`.
  @inlinable static func addPairwise<T: KernelScalar>(
    _ p: UnsafeMutablePointer<T>, blocks: Int, width: Int
  ) {
    var count = blocks
    while count > 1 {
      let half = count / 2
      for k in 0..<half {
        let (a, c, d) = (p + k * width, p + (2 * k) * width, p + (2 * k + 1) * width)
        for i in 0..<width { a[i] = c[i] + d[i] }
      }
      if count % 2 == 1 {
        let (a, c) = (p + half * width, p + (count - 1) * width)
        for i in 0..<width { a[i] = c[i] }
      }
      count = half + count % 2
    }
  }

  /// The partial sums `p[b]` of the terms of blocks `b` in `blocks` of a contiguous run of `n`
  /// elements (block `b` is elements `b·sumBlock ..< min(n, (b + 1)·sumBlock)`, added left to
  /// right).
  @inlinable @inline(__always) static func blockSums<T: KernelScalar, F: SumTerm>(
    _ f: F.Type, _ src: UnsafePointer<T>, count n: Int, blocks: Range<Int>,
    into p: UnsafeMutablePointer<T>
  ) {
    runSums(f, src, runLength: sumBlock, total: n, runs: blocks, into: p)
  }

  /// `p[r]` = the left-to-right sum of the terms of run `r` of `src`, for `r` in `runs`, run `r`
  /// being elements `r·runLength ..< min(total, (r + 1)·runLength)` (rows of a matrix, or the
  /// blocks of one long sum): eight (`Float`) or four whole runs at a time, as independent
  /// chains, then one at a time.
  @inlinable @inline(__always) static func runSums<T: KernelScalar, F: SumTerm>(
    _ f: F.Type, _ src: UnsafePointer<T>, runLength: Int, total: Int, runs: Range<Int>,
    into p: UnsafeMutablePointer<T>
  ) {
    let length = runLength
    var r = runs.lowerBound
    if T.self == Float.self {
      let floats = UnsafeRawPointer(src).assumingMemoryBound(to: Float.self)
      while r + 8 <= runs.upperBound && (r + 8) * length <= total {
        let sums = eightPlainSums(f, floats + r * length, stride: length, n: length)
        for l in 0..<8 { p[r + l] = T(sums[l]) }
        r += 8
      }
    }
    while r + 4 <= runs.upperBound && (r + 4) * length <= total {
      let first = src + r * length
      (p[r], p[r + 1], p[r + 2], p[r + 3]) = fourPlainSums(
        f, first, first + length, first + 2 * length, first + 3 * length, n: length)
      r += 4
    }
    while r < runs.upperBound {
      let first = r * length
      p[r] = plainSum(f, src + first, n: Swift.min(length, total - first))
      r += 1
    }
  }

  /// Four left-to-right sums of the terms of `n` elements each, interleaved so that they
  /// overlap.
  @inlinable @inline(__always) static func fourPlainSums<T: KernelScalar, F: SumTerm>(
    _ f: F.Type, _ a: UnsafePointer<T>, _ b: UnsafePointer<T>, _ c: UnsafePointer<T>,
    _ d: UnsafePointer<T>, n: Int
  ) -> (T, T, T, T) {
    var sums: (T, T, T, T) = (0, 0, 0, 0)
    for j in 0..<n {
      sums.0 += F.term(a[j])
      sums.1 += F.term(b[j])
      sums.2 += F.term(c[j])
      sums.3 += F.term(d[j])
    }
    return sums
  }

  /// Eight left-to-right sums of the terms of `n` floats each, the `l`-th starting at
  /// `src + l·stride`, as the eight lanes of one vector: eight vectors are loaded, one from each
  /// run, and transposed, so that each lane adds its own run's terms in increasing order (the
  /// same sums as ``plainSum(_:_:n:)`` on each run, eight chains at a time, and no gathers).
  /// The terms are taken after the transpose, which the compiler keeps as plain shuffles.
  @inlinable @inline(__always) static func eightPlainSums<F: SumTerm>(
    _ f: F.Type, _ src: UnsafePointer<Float>, stride: Int, n: Int
  ) -> SIMD8<Float> {
    let raw = UnsafeRawPointer(src)
    @inline(__always) func load(_ l: Int, _ j: Int) -> SIMD8<Float> {
      raw.loadUnaligned(fromByteOffset: (l * stride + j) * 4, as: SIMD8<Float>.self)
    }
    var acc = SIMD8<Float>()
    var j = 0
    while j + 8 <= n {
      var v = (
        load(0, j), load(1, j), load(2, j), load(3, j), load(4, j), load(5, j), load(6, j),
        load(7, j)
      )
      transpose8x8(&v)
      acc += F.term(v.0)
      acc += F.term(v.1)
      acc += F.term(v.2)
      acc += F.term(v.3)
      acc += F.term(v.4)
      acc += F.term(v.5)
      acc += F.term(v.6)
      acc += F.term(v.7)
      j += 8
    }
    while j < n {
      var column = SIMD8<Float>()
      for l in 0..<8 { column[l] = F.term(src[l * stride + j]) }
      acc += column
      j += 1
    }
    return acc
  }

  /// `Σ_j` of the terms of `src[j]` for `j` in `0..<n`, added left to right.
  @inlinable @inline(__always) static func plainSum<T: KernelScalar, F: SumTerm>(
    _ f: F.Type, _ src: UnsafePointer<T>, n: Int
  ) -> T {
    var acc: T = 0
    for j in 0..<n { acc += F.term(src[j]) }
    return acc
  }

  /// `out[o, i] = max_j x[o, j, i]` and its first index; NaN wins, as in PyTorch.
  @inlinable public static func maxAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, _ argmax: UnsafeMutablePointer<Int>?,
    outer: Int, n: Int, inner: Int
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let src = x + o * n * inner + i
        var best = src[0]
        var bestIndex = 0
        if !best.isNaN {
          for j in 1..<Swift.max(n, 1) {
            let v = src[j * inner]
            if v > best || v.isNaN {
              best = v
              bestIndex = j
              if v.isNaN { break }
            }
          }
        }
        out[o * inner + i] = best
        argmax?[o * inner + i] = bestIndex
      }
    }
  }

  /// Runs `body` on ranges of `0..<outer` covering it, in parallel on the kernel threads when
  /// the rows (`perRow` elements each) add up to more than two elementwise chunks. For kernels
  /// whose rows are independent, so that the split never changes a result.
  @inlinable static func forRowRanges(
    outer: Int, perRow: Int, _ body: (Range<Int>) -> Void
  ) {
    let rowsPerTask = Swift.max(1, elementwiseChunk / Swift.max(1, perRow))
    if outer < 2 * rowsPerTask {
      body(0..<outer)
      return
    }
    let tasks = (outer + rowsPerTask - 1) / rowsPerTask
    parallelFor(tasks) { task in
      body((task * rowsPerTask)..<Swift.min(outer, (task + 1) * rowsPerTask))
    }
  }

  /// Softmax (or log-softmax) of `x` along the middle axis: `x − max − log Σ exp(x − max)`,
  /// stable for logits of any magnitude.
  ///
  /// Rows (the `outer`·`inner` slices along the axis) are independent and split over the kernel
  /// threads when large; a contiguous `Float` row (`inner == 1`) runs 16 lanes at a time: a
  /// vector maximum (NaN wins), `exp(x − max)` with 16 partial sums added in a fixed tree at the
  /// end, then the normalisation. Every row is computed the same way for any thread count.
  @inlinable public static func softmaxAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int,
    log: Bool
  ) {
    let (source, target) = (UncheckedSendable(x), UncheckedSendable(out))
    forRowRanges(outer: outer, perRow: n * inner) { rows in
      for o in rows {
        for i in 0..<inner {
          let src = source.value + o * n * inner + i
          let dst = target.value + o * n * inner + i
          if inner == 1 && T.self == Float.self {
            softmaxRow(
              UnsafeRawPointer(src).assumingMemoryBound(to: Float.self),
              UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Float.self), n: n, log: log)
          } else {
            softmaxStrided(src, dst, n: n, stride: inner, log: log)
          }
        }
      }
    }
  }

  /// One softmax slice of `n` elements `stride` apart, with scalar loops.
  @inlinable static func softmaxStrided<T: KernelScalar>(
    _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, n: Int, stride inner: Int, log: Bool
  ) {
    var m = -T.infinity
    for j in 0..<n where src[j * inner] > m || src[j * inner].isNaN { m = src[j * inner] }
    if !m.isFinite && !m.isNaN { m = 0 }
    var total: T = 0
    for j in 0..<n {
      let e = T.exp(src[j * inner] - m)
      total += e
      if !log { dst[j * inner] = e }
    }
    if log {
      let lse = m + T.log(total)
      for j in 0..<n { dst[j * inner] = src[j * inner] - lse }
    } else {
      let inv = 1 / total
      for j in 0..<n { dst[j * inner] *= inv }
    }
  }

  /// One contiguous `Float` softmax row, 16 lanes at a time (see ``softmaxAxis``).
  ///
  /// Elements from `live` on are known to be −∞ (a causal mask's blocked keys): whole vectors
  /// of them are not read, and their softmax is stored as the 0 it is (log-softmax rows take
  /// the default, the whole row). The result is the same bits as for the whole row, since the
  /// skipped lanes would add exp(−∞) = 0 to the sums.
  @inlinable static func softmaxRow(
    _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, n fullWidth: Int, log: Bool,
    live: Int? = nil
  ) {
    typealias V = SIMD16<Float>
    let (from, to) = (UnsafeRawPointer(src), UnsafeMutableRawPointer(dst))
    // The width computed: the live part rounded up to whole vectors, or the whole row.
    var n = fullWidth
    if let live, !log, case let rounded = (live + 15) / 16 * 16, rounded > 0, rounded < fullWidth {
      n = rounded
    }
    let vectorEnd = n / 16 * 16
    // The maximum; NaN wins (and stays), as in the scalar rule `x > m || x.isNaN`. The lanes
    // are reduced as a tree of selects, and NaN is looked for once at the end: the maximum is
    // the same value in any order, and exp(x − m) and m + log Σ do not see the sign of a zero m.
    var best = V(repeating: -.infinity)
    var nan = SIMDMask<SIMD16<Int32>>(repeating: false)
    var j = 0
    while j < vectorEnd {
      let v = from.loadUnaligned(fromByteOffset: 4 * j, as: V.self)
      best.replace(with: v, where: v .> best)
      nan .|= v .!= v
      j += 16
    }
    let eightBest = best.lowHalf.replacing(
      with: best.highHalf, where: best.highHalf .> best.lowHalf)
    let fourBest = eightBest.lowHalf.replacing(
      with: eightBest.highHalf, where: eightBest.highHalf .> eightBest.lowHalf)
    let twoBest = fourBest.lowHalf.replacing(
      with: fourBest.highHalf, where: fourBest.highHalf .> fourBest.lowHalf)
    var m = twoBest[1] > twoBest[0] ? twoBest[1] : twoBest[0]
    if any(nan) { m = .nan }
    for t in vectorEnd..<n where src[t] > m || src[t].isNaN { m = src[t] }
    if !m.isFinite && !m.isNaN { m = 0 }
    // exp(x − m) into dst (log-softmax needs only the sum), summed in 16 lanes; the tail is
    // padded with −∞ (exp gives 0).
    let shift = V(repeating: m)
    var sums = V()
    j = 0
    while j < vectorEnd {
      let e = exp(from.loadUnaligned(fromByteOffset: 4 * j, as: V.self) - shift)
      if !log { to.storeBytes(of: e, toByteOffset: 4 * j, as: V.self) }
      sums += e
      j += 16
    }
    if vectorEnd < n {
      var lanes = V(repeating: -.infinity)
      for l in 0..<(n - vectorEnd) { lanes[l] = src[vectorEnd + l] }
      let e = exp(lanes - shift)
      if !log { for l in 0..<(n - vectorEnd) { dst[vectorEnd + l] = e[l] } }
      sums += e
    }
    let eight = sums.lowHalf + sums.highHalf
    let four = eight.lowHalf + eight.highHalf
    let two = four.lowHalf + four.highHalf
    let total = two[0] + two[1]
    if log {
      let lse = m + Float.log(total)
      for t in 0..<n { dst[t] = src[t] - lse }
    } else {
      let inv = 1 / total
      for t in 0..<n { dst[t] *= inv }
      for t in n..<fullWidth { dst[t] = 0 }
    }
  }
}

extension Kernels {
  /// The gradient of softmax (`log == false`) or log-softmax along contiguous `Float` rows of
  /// `n` elements, from the output `y` and its gradient `g`: `g·y − y·Σ(g·y)`, or
  /// `g − exp(y)·Σ g`, in one pass per row.
  ///
  /// Bit for bit the composed derivative rules (the same products, the same sums as
  /// ``sumAxis(_:_:outer:n:inner:)``, the same vector `exp`), without their intermediate
  /// tensors; rows are split over the kernel threads when large.
  @inlinable public static func softmaxBackward(
    gradOutput g: UnsafePointer<Float>, output y: UnsafePointer<Float>,
    _ out: UnsafeMutablePointer<Float>, rows outer: Int, n: Int, log: Bool
  ) {
    let pointers = UncheckedSendable((g, y, out))
    forRowRanges(outer: outer, perRow: n) { rows in
      let (g, y, out) = pointers.value
      for o in rows {
        let (gRow, yRow, dst) = (g + o * n, y + o * n, out + o * n)
        var total: Float = 0
        if log {
          sumAxis(gRow, &total, rows: 1, n: n, inner: 1)
          // g − exp(y)·total in one pass, with map16's vector exp (its tail rule included).
          let (from, grad, to) = (
            UnsafeRawPointer(yRow), UnsafeRawPointer(gRow), UnsafeMutableRawPointer(dst)
          )
          let scale = SIMD16<Float>(repeating: total)
          var j = 0
          while j + 16 <= n {
            let e = exp(from.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self))
            let gj = grad.loadUnaligned(fromByteOffset: 4 * j, as: SIMD16<Float>.self)
            to.storeBytes(of: gj - e * scale, toByteOffset: 4 * j, as: SIMD16<Float>.self)
            j += 16
          }
          if j < n {
            map16(yRow + j, dst + j, count: n - j, exp)
            for t in j..<n { dst[t] = gRow[t] - dst[t] * total }
          }
        } else {
          for j in 0..<n { dst[j] = gRow[j] * yRow[j] }
          sumAxis(UnsafePointer(dst), &total, rows: 1, n: n, inner: 1)
          for j in 0..<n { dst[j] = dst[j] - yRow[j] * total }
        }
      }
    }
  }
}

extension Kernels {
  /// `out[o, i] = log Σ_j exp(x[o, j, i])`, shifted by the maximum for stability.
  @inlinable public static func logsumexpAxis<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int
  ) {
    for o in 0..<outer {
      for i in 0..<inner {
        let src = x + o * n * inner + i
        var m = -T.infinity
        for j in 0..<n where src[j * inner] > m || src[j * inner].isNaN { m = src[j * inner] }
        let shift = m.isFinite ? m : 0
        var total: T = 0
        for j in 0..<n { total += T.exp(src[j * inner] - shift) }
        out[o * inner + i] = shift + T.log(total)
      }
    }
  }
}

extension Kernels {
  /// Running sums along the middle axis of [outer, n, inner]: `out[o, i, j] = Σ_{p ≤ i} x[o, p, j]`,
  /// added in increasing `p`.
  @inlinable public static func cumsum<T: KernelScalar>(
    _ x: UnsafePointer<T>, _ out: UnsafeMutablePointer<T>, outer: Int, n: Int, inner: Int
  ) {
    for o in 0..<outer {
      let (src, dst) = (x + o * n * inner, out + o * n * inner)
      for j in 0..<inner { if n > 0 { dst[j] = src[j] } }
      for p in 1..<Swift.max(n, 1) {
        for j in 0..<inner { dst[p * inner + j] = dst[(p - 1) * inner + j] + src[p * inner + j] }
      }
    }
  }
}
