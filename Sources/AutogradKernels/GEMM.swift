// GEMM for Float and Double: Goto/BLIS-style blocking with packed operands and a SIMD register
// tile, generic over the scalar (`PackedGEMMScalar`) with a kernel per type: Float 6×16 of
// `SIMD8<Float>` on AVX2, 12×32 of `SIMD16<Float>` when built with AVX-512 and
// `-D AUTOGRAD_AVX512`; Double 6×8 of `SIMD4<Double>`, 6×16 of `SIMD8<Double>` with AVX-512.
//
// C is split into a few row/column slabs, one task per thread. A task runs the classic loops on
// its slab: for each nc-column block, for each k-block, pack op(B)'s kc×nc block (nr-column
// micro-panels; stays in L2/L3), then for each mc-row block pack op(A)'s mc×kc block (mr-row
// micro-panels; stays in L2) and call the register-tile kernel for every micro-tile (the kc×nr
// B micro-panel stays in L1). Packed data is produced by the thread that uses it, while hot. A
// small block of B whose lanes are contiguous (at most `inPlaceBBytes`) is read in place instead:
// the kernel steps through B's own rows, and only a partial last panel is packed.
//
// Determinism: every element of C is computed as
//     C = (((β·C) + Σ_{p∈K₀} a·b) + Σ_{p∈K₁} a·b) + …
// where the k-blocks K₀, K₁, … depend only on k, and each block's sum is a chain of FMAs in
// increasing p, starting from zero, in the lane of C's element. Threads split only M and N, never
// K, so the result is bit-identical for any thread count, any partition and any timing.

/// The scalars of the packed GEMM (`Float`, `Double`), each with its register tile.
protocol PackedGEMMScalar: KernelScalar {
  /// Rows of C per register tile.
  static var gemmMR: Int { get }
  /// Columns of C per register tile (two SIMD vectors).
  static var gemmNR: Int { get }
  /// The register-tile kernel: `C[0..<rows, 0..<cols] (=|+=) A·B` from a packed `gemmMR`×`depth`
  /// A panel and a `depth`×`gemmNR` B panel whose steps are `bStep` bytes apart (packed: `gemmNR`
  /// elements; or B's own rows, read in place).
  static func gemmMicroKernel(
    depth: Int, a: UnsafePointer<Self>, b: UnsafePointer<Self>, bStep: Int,
    c: UnsafeMutablePointer<Self>, ldc: Int, rows: Int, cols: Int, store: Bool)
}

extension Float: PackedGEMMScalar {
  #if AUTOGRAD_AVX512
    /// Rows of C per register tile.
    static var gemmMR: Int { 12 }
    /// Columns of C per register tile (two `SIMD16<Float>`).
    static var gemmNR: Int { 32 }
  #else
    /// Rows of C per register tile.
    static var gemmMR: Int { 6 }
    /// Columns of C per register tile (two `SIMD8<Float>`).
    static var gemmNR: Int { 16 }
  #endif
  @inline(__always)
  static func gemmMicroKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, store: Bool
  ) {
    sgemmMicroKernel(
      depth: depth, a: a, b: b, bStep: bStep, c: c, ldc: ldc, rows: rows, cols: cols,
      store: store)
  }
}

extension Double: PackedGEMMScalar {
  /// Rows of C per register tile.
  static var gemmMR: Int { 6 }
  #if AUTOGRAD_AVX512
    /// Columns of C per register tile (two `SIMD8<Double>`).
    static var gemmNR: Int { 16 }
  #else
    /// Columns of C per register tile (two `SIMD4<Double>`).
    static var gemmNR: Int { 8 }
  #endif
  @inline(__always)
  static func gemmMicroKernel(
    depth: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>, bStep: Int,
    c: UnsafeMutablePointer<Double>, ldc: Int, rows: Int, cols: Int, store: Bool
  ) {
    dgemmMicroKernel(
      depth: depth, a: a, b: b, bStep: bStep, c: c, ldc: ldc, rows: rows, cols: cols,
      store: store)
  }
}

/// Blocking constants shared by both scalar types (the register tile is the scalar's own).
private enum SGEMMTiling {
  /// Largest k-block (packed panel depth): an nr×kc B micro-panel stays in L1, an mr×kc A
  /// micro-panel streams from L2. Fixed: the k-blocking is part of the summation order.
  public static var kc: Int { 256 }
  /// Rows of A packed at once (multiple of `mr`): mc×kc floats stay in L2.
  public static var mc: Int { 144 }
  /// Columns of B packed at once (multiple of `nr`): kc×nc floats stay in L2/L3.
  public static var nc: Int { 3072 }
  /// Elements in one task's packing buffer: the A block, then the B block.
  static func bufferCount<T: PackedGEMMScalar>(_: T.Type) -> Int {
    // mc rounded up to a whole number of the scalar's register tiles.
    (mc + T.gemmMR - 1) / T.gemmMR * T.gemmMR * kc + kc * nc
  }
  /// Largest C (m·n elements) computed by `sgemmSmallDotProducts` when op(A)·op(B) is A·Bᵀ.
  public static var dotMaxOutputs: Int { 2048 }
  /// From this many multiply-adds on, C is cut into `tasksPerThread` slabs per thread.
  public static var splitThreshold: Int { 1 << 26 }
  /// Slabs per thread of a large product (each packs its own share of A and B, so every extra
  /// row of slabs packs B once more). One: on the 2-vCPU Zen 5 machine, once the packing
  /// prefetched its sources, one slab per thread beat two on every product of the benchmark's
  /// table (the MNIST fc layer's 128×128×9216 by 19 %, 1024³ by 1–4 %) and on the CNN, LSTM and
  /// Transformer steps in 6, 6 and 7 of 7 interleaved pairs. (Before the prefetching, two had
  /// beaten four and matched one.)
  public static var tasksPerThread: Int { 1 }
  /// The largest k-block of B (in bytes) read in place instead of packed, when its lanes are
  /// contiguous: small enough to stay in the L1 and L2 caches.
  public static var inPlaceBBytes: Int { 64 * 1024 }
}

extension Kernels {
  /// Below this many multiply-adds (m·n·k) a matrix product runs on the calling thread only;
  /// callers with many such products (a batch) can run them in parallel instead.
  public static let gemmParallelThreshold = 1 << 20

  /// Single-precision matrix product `C = op(A)·op(B) + beta·C`, all matrices row-major.
  ///
  /// `op(A)` is m×k: A is stored m×k (row stride `lda`) or, when `transA`, k×m. `op(B)` is k×n:
  /// B is stored k×n (row stride `ldb`) or, when `transB`, n×k. C is m×n with row stride `ldc`.
  /// With `beta == 0` C is only written (it may hold garbage or NaN); with `beta == 1` the product
  /// is added to C. Runs on up to `numThreads()` threads; the result is bit-identical for every
  /// thread count.
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative dimension")
    precondition(beta == 0 || beta == 1, "gemm: beta must be 0 or 1")
    precondition(lda >= (transA ? m : k), "gemm: lda too small")
    precondition(ldb >= (transB ? k : n), "gemm: ldb too small")
    precondition(ldc >= n, "gemm: ldc too small")
    if m == 0 || n == 0 { return }
    if k == 0 {
      if beta == 0 {
        for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
      }
      return
    }
    if !transA && transB && m * n <= SGEMMTiling.dotMaxOutputs && k >= 8 {
      // A small C over a long k, both operands contiguous along k: dot products, no packing.
      sgemmSmallDotProducts(
        m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb, store: beta == 0, c: c, ldc: ldc)
      return
    }
    packedGEMM(
      transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
      beta: beta, c: c, ldc: ldc)
  }

  /// The packed, blocked product for either scalar type (arguments checked by the caller, m, n
  /// and k positive): splits C into slabs, one task per thread, each run by `PackedGEMMProblem`.
  private static func packedGEMM<T: PackedGEMMScalar>(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<T>, lda: Int, b: UnsafePointer<T>, ldb: Int,
    beta: T, c: UnsafeMutablePointer<T>, ldc: Int
  ) {
    let problem = PackedGEMMProblem(
      m: m, n: n, k: k,
      a: a, rowStrideA: transA ? 1 : lda, depthStrideA: transA ? lda : 1,
      b: b, depthStrideB: transB ? 1 : ldb, colStrideB: transB ? ldb : 1,
      overwrite: beta == 0, c: c, ldc: ldc)
    let threads = m * n * k < Kernels.gemmParallelThreshold ? 1 : Kernels.threadCount()
    // Large products may get several tasks per thread, taken in turn, so that a thread slowed
    // by the machine's other jobs holds up less of the product (`tasksPerThread`, now 1: the
    // repacking that extra slabs cost outweighed that on the machines measured).
    let tasks =
      threads > 1 && m * n * k >= SGEMMTiling.splitThreshold
      ? threads * SGEMMTiling.tasksPerThread : threads
    var grid = gemmTaskGrid(m: m, n: n, mr: T.gemmMR, nr: T.gemmNR, tasks: tasks)
    if grid.rows * grid.cols < threads {
      // Too few tile rows and columns for that many slabs: one per thread.
      grid = gemmTaskGrid(m: m, n: n, mr: T.gemmMR, nr: T.gemmNR, tasks: threads)
    }
    if grid.rows * grid.cols == 1 {
      problem.run(rows: 0..<m, cols: 0..<n)
      return
    }
    let rowBounds = splitBounds(m, parts: grid.rows, granularity: T.gemmMR)
    let colBounds = splitBounds(n, parts: grid.cols, granularity: T.gemmNR)
    parallelFor(grid.rows * grid.cols) { task in
      let row = task / grid.cols
      let col = task % grid.cols
      problem.run(
        rows: rowBounds[row]..<rowBounds[row + 1], cols: colBounds[col]..<colBounds[col + 1])
    }
  }

  /// Chooses how many row and column slabs of C to hand out as `tasks` parallel tasks (rows ×
  /// columns = tasks; (1, 1) when no split fits).
  ///
  /// Minimises the estimated time of a task: its multiply-adds including tile padding, plus
  /// packing its share of A and B (a packed float costs about as much as 8 multiply-adds). The
  /// choice never affects results, only speed.
  private static func gemmTaskGrid(
    m: Int, n: Int, mr: Int, nr: Int, tasks threads: Int
  ) -> (rows: Int, cols: Int) {
    if threads <= 1 { return (1, 1) }
    let rowPanels = (m + mr - 1) / mr
    let colPanels = (n + nr - 1) / nr
    var best = (rows: 1, cols: 1)
    var bestCost = Double.infinity
    for rows in 1...threads where threads % rows == 0 {
      let cols = threads / rows
      if rows > rowPanels || cols > colPanels { continue }
      let cost = gemmTaskCost(m: m, n: n, mr: mr, nr: nr, grid: (rows, cols))
      if cost < bestCost {
        bestCost = cost
        best = (rows, cols)
      }
    }
    return best
  }

  /// The estimated time of one task of `grid` per step of k: its multiply-adds including tile
  /// padding, plus packing its share of A and B (a packed element costs about 8 multiply-adds).
  private static func gemmTaskCost(
    m: Int, n: Int, mr: Int, nr: Int, grid: (rows: Int, cols: Int)
  ) -> Double {
    let rowPanels = (m + mr - 1) / mr
    let colPanels = (n + nr - 1) / nr
    let taskRows = Double((rowPanels + grid.rows - 1) / grid.rows * mr)
    let taskCols = Double((colPanels + grid.cols - 1) / grid.cols * nr)
    return taskRows * taskCols + (taskRows + taskCols) * 8
  }

  /// Splits `0..<count` into `parts` ranges whose inner bounds are multiples of `granularity`.
  private static func splitBounds(_ count: Int, parts: Int, granularity: Int) -> [Int] {
    let units = (count + granularity - 1) / granularity
    return (0...parts).map { part in min(count, (units * part / parts) * granularity) }
  }
}

/// One product, with op(A) and op(B) described by element strides.
///
/// op(A)[i, p] = a[i·rowStrideA + p·depthStrideA], op(B)[p, j] = b[p·depthStrideB + j·colStrideB].
private struct PackedGEMMProblem<T: PackedGEMMScalar>: @unchecked Sendable {
  // Sendable audit: the pointers are used only while `Kernels.gemm` runs (its parallel loop is
  // synchronous); tasks read A and B, write their own packing buffers and disjoint slabs of C.
  let m: Int
  let n: Int
  let k: Int
  let a: UnsafePointer<T>
  let rowStrideA: Int
  let depthStrideA: Int
  let b: UnsafePointer<T>
  let depthStrideB: Int
  let colStrideB: Int
  /// `beta == 0`: the first k-block stores into C instead of adding.
  let overwrite: Bool
  let c: UnsafeMutablePointer<T>
  let ldc: Int

  /// Computes the slab `C[rows, cols]` on the calling thread.
  ///
  /// The k-blocking (`kBlocks` blocks of `kcEven`, the last one possibly shorter) depends only on
  /// `k`, so every element's summation order is the same whatever slab it is computed in.
  func run(rows: Range<Int>, cols: Range<Int>) {
    if rows.isEmpty || cols.isEmpty { return }
    // The packing buffer comes from the kernels' reusable scratch space.
    Kernels.withScratch(T.self, count: SGEMMTiling.bufferCount(T.self)) { buffer in
      run(rows: rows, cols: cols, packingInto: buffer)
    }
  }

  /// ``run(rows:cols:)`` with a packing buffer of `SGEMMTiling.bufferCount(T.self)` elements.
  private func run(
    rows: Range<Int>, cols: Range<Int>, packingInto buffer: UnsafeMutablePointer<T>
  ) {
    let mr = T.gemmMR
    let nr = T.gemmNR
    let kBlocks = (k + SGEMMTiling.kc - 1) / SGEMMTiling.kc
    let kcEven = (k + kBlocks - 1) / kBlocks
    // B first: the buffer is 64-byte aligned and every B micro-panel is a multiple of 64 bytes.
    let packedB = buffer
    let packedA = buffer + SGEMMTiling.kc * SGEMMTiling.nc
    var jc = cols.lowerBound
    while jc < cols.upperBound {
      let nb = min(SGEMMTiling.nc, cols.upperBound - jc)
      for block in 0..<kBlocks {
        let pc = block * kcEven
        let kb = min(kcEven, k - pc)
        let store = overwrite && block == 0
        let bBlock = b + pc * depthStrideB + jc * colStrideB
        // A block of B with its lanes contiguous at each step is read in place when it is small
        // (it stays in cache) or used by few rows (packing would cost more than its few reuses
        // save), except a partial last panel, which is packed (the kernel reads whole panels). Step strides that are a
        // multiple of 4 KiB would make the rows collide in the L1 cache, so those are packed.
        let stepBytes = depthStrideB * MemoryLayout<T>.stride
        let smallBlock: Bool = kb * nb * MemoryLayout<T>.stride <= SGEMMTiling.inPlaceBBytes
        // With at most two row panels, each B panel is read at most twice: packing it would
        // read it once more and write it.
        let fewRows: Bool = rows.count <= 2 * mr
        let readInPlace: Bool =
          colStrideB == 1 && (smallBlock || fewRows) && stepBytes % 4096 != 0
        let inPlacePanels = readInPlace ? nb / nr : 0
        if inPlacePanels * nr < nb {
          packPanels(
            source: bBlock + inPlacePanels * nr * colStrideB, laneStride: colStrideB,
            depthStride: depthStrideB, lanes: nb - inPlacePanels * nr, depth: kb, width: nr,
            into: packedB)
        }
        var ic = rows.lowerBound
        while ic < rows.upperBound {
          let mb = min(SGEMMTiling.mc, rows.upperBound - ic)
          packPanels(
            source: a + ic * rowStrideA + pc * depthStrideA, laneStride: rowStrideA,
            depthStride: depthStrideA, lanes: mb, depth: kb, width: mr, into: packedA)
          var jr = 0
          while jr < nb {
            let inPlace = jr < inPlacePanels * nr
            let packedPanel = UnsafePointer(packedB) + (jr - inPlacePanels * nr) * kb
            let panel: UnsafePointer<T> = inPlace ? bBlock + jr : packedPanel
            let step: Int = inPlace ? stepBytes : nr * MemoryLayout<T>.stride
            var ir = 0
            while ir < mb {
              T.gemmMicroKernel(
                depth: kb, a: packedA + ir * kb, b: panel, bStep: step,
                c: c + (ic + ir) * ldc + jc + jr, ldc: ldc,
                rows: min(mr, mb - ir), cols: min(nr, nb - jr), store: store)
              ir += mr
            }
            jr += nr
          }
          ic += mb
        }
      }
      jc += nb
    }
  }
}

/// `C[i, j] (=|+=) Σ_p A[i, p]·B[j, p]` for a small C: dot products of rows of A and B.
///
/// Skips packing, which dominates when C is small and k long (e.g. a convolution's weight
/// gradient). Computes 3×3 dot products at a time with `SIMD8<Float>` partial sums over p in
/// steps of 8, then adds each sum's 8 lanes in a fixed order and the remaining `k % 8` terms in
/// increasing p. A tile past the last row or column recomputes a valid row or column and drops
/// the result, so every element is summed the same way wherever it falls. Runs in parallel over
/// rows of tiles when the product is large enough; the result does not depend on the threads.
private func sgemmSmallDotProducts(
  m: Int, n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
  store: Bool, c: UnsafeMutablePointer<Float>, ldc: Int
) {
  typealias V = SIMD8<Float>
  let rowTiles = (m + 2) / 3
  let colTiles = (n + 2) / 3
  let vectorEnd = k / 8 * 8
  let operands = UncheckedSendable((a, b, c))
  let body = { (rowTile: Int) in
    let (a, b, c) = operands.value
    let i0 = rowTile * 3
    let rows = (a + i0 * lda, a + min(i0 + 1, m - 1) * lda, a + min(i0 + 2, m - 1) * lda)
    for colTile in 0..<colTiles {
      let j0 = colTile * 3
      let cols = (b + j0 * ldb, b + min(j0 + 1, n - 1) * ldb, b + min(j0 + 2, n - 1) * ldb)
      var s00 = V()
      var s01 = V()
      var s02 = V()
      var s10 = V()
      var s11 = V()
      var s12 = V()
      var s20 = V()
      var s21 = V()
      var s22 = V()
      var p = 0
      while p < vectorEnd {
        let b0 = UnsafeRawPointer(cols.0 + p).loadUnaligned(as: V.self)
        let b1 = UnsafeRawPointer(cols.1 + p).loadUnaligned(as: V.self)
        let b2 = UnsafeRawPointer(cols.2 + p).loadUnaligned(as: V.self)
        var x = UnsafeRawPointer(rows.0 + p).loadUnaligned(as: V.self)
        s00 = s00.addingProduct(x, b0)
        s01 = s01.addingProduct(x, b1)
        s02 = s02.addingProduct(x, b2)
        x = UnsafeRawPointer(rows.1 + p).loadUnaligned(as: V.self)
        s10 = s10.addingProduct(x, b0)
        s11 = s11.addingProduct(x, b1)
        s12 = s12.addingProduct(x, b2)
        x = UnsafeRawPointer(rows.2 + p).loadUnaligned(as: V.self)
        s20 = s20.addingProduct(x, b0)
        s21 = s21.addingProduct(x, b1)
        s22 = s22.addingProduct(x, b2)
        p += 8
      }
      @inline(__always) func rowPointer(_ r: Int) -> UnsafePointer<Float> {
        r == 0 ? rows.0 : r == 1 ? rows.1 : rows.2
      }
      @inline(__always) func colPointer(_ q: Int) -> UnsafePointer<Float> {
        q == 0 ? cols.0 : q == 1 ? cols.1 : cols.2
      }
      let sums = (s00, s01, s02, s10, s11, s12, s20, s21, s22)
      withUnsafeBytes(of: sums) { raw in
        let lanesOf = raw.assumingMemoryBound(to: Float.self).baseAddress!
        for r in 0..<min(3, m - i0) {
          for q in 0..<min(3, n - j0) {
            let lanes = lanesOf + (r * 3 + q) * 8
            // A fixed pairwise order over the 8 lanes, then the tail in increasing p.
            var total =
              ((lanes[0] + lanes[4]) + (lanes[2] + lanes[6]))
              + ((lanes[1] + lanes[5]) + (lanes[3] + lanes[7]))
            let x = rowPointer(r)
            let y = colPointer(q)
            for tail in vectorEnd..<k { total = total.addingProduct(x[tail], y[tail]) }
            let out = c + (i0 + r) * ldc + j0 + q
            out.pointee = store ? total : out.pointee + total
          }
        }
      }
    }
  }
  if m * n * k >= Kernels.gemmParallelThreshold && rowTiles > 1 {
    Kernels.parallelFor(rowTiles, body)
  } else {
    for rowTile in 0..<rowTiles { body(rowTile) }
  }
}

/// Packs `lanes` rows of A (or columns of B) over `depth` steps into panels of `width` lanes.
///
/// Element (lane l, step p) is read from `source[l·laneStride + p·depthStride]` and written to
/// `into[(l / width)·width·depth + p·width + l % width]`; the last panel is padded with zeros.
/// Fast paths for lanes contiguous at each step (`laneStride == 1`: each step's lanes are read
/// once, in order, and dealt out to the panels) and for lanes contiguous along depth
/// (`depthStride == 1`, a transpose). Writes only the panels' own elements.
@inline(__always)
private func packPanels<T: PackedGEMMScalar>(
  source: UnsafePointer<T>, laneStride: Int, depthStride: Int, lanes: Int, depth: Int,
  width: Int, into packed: UnsafeMutablePointer<T>
) {
  if laneStride == 1 {
    packContiguousLanes(
      source: source, depthStride: depthStride, lanes: lanes, depth: depth, width: width,
      into: packed)
    return
  }
  var lane = 0
  var out = packed
  while lane < lanes {
    let count = min(width, lanes - lane)
    let src = source + lane * laneStride
    if depthStride == 1 && T.self == Float.self {
      let nextCount = min(width, max(0, lanes - lane - width))
      packTransposed(
        UnsafeRawPointer(src).assumingMemoryBound(to: Float.self), laneStride: laneStride,
        count: count, depth: depth, width: width,
        into: UnsafeMutableRawPointer(out).assumingMemoryBound(to: Float.self),
        prefetching: UnsafeRawPointer(src + width * laneStride).assumingMemoryBound(
          to: Float.self), nextCount: nextCount)
    } else {
      for p in 0..<depth {
        let row = out + p * width
        for l in 0..<count { row[l] = src[l * laneStride + p * depthStride] }
        for l in count..<width { row[l] = 0 }
      }
    }
    lane += width
    out += width * depth
  }
}

/// ``packPanels(source:laneStride:depthStride:lanes:depth:width:into:)`` for lanes contiguous at
/// each step: step by step, the step's `lanes` elements are read in order and copied `width` at
/// a time into the panels (a transposed A, or an untransposed B).
///
/// Reading a whole step at once touches each source row once per call, instead of once per
/// panel, which matters when the rows are far apart (a 10k-wide matrix read down its columns).
@inline(__always)
private func packContiguousLanes<T: PackedGEMMScalar>(
  source: UnsafePointer<T>, depthStride: Int, lanes: Int, depth: Int, width: Int,
  into packed: UnsafeMutablePointer<T>
) {
  let fullPanels = lanes / width
  let rest = lanes - fullPanels * width
  let panelStride = width * depth
  let rowBytes = width * MemoryLayout<T>.stride
  let stepBytes = lanes * MemoryLayout<T>.stride
  // Steps far apart (a wide matrix read down its columns) are not found by the hardware
  // prefetcher; steps in one run of memory are.
  let farApart = depthStride * MemoryLayout<T>.stride >= 4096
  for p in 0..<depth {
    if farApart && p + prefetchSteps < depth {
      // The step read `prefetchSteps` from now.
      let ahead = UnsafeRawPointer(source + (p + prefetchSteps) * depthStride)
      var offset = 0
      while offset < stepBytes {
        prefetch(ahead + offset)
        offset += 64
      }
    }
    var from = UnsafeRawPointer(source + p * depthStride)
    var to = UnsafeMutableRawPointer(packed + p * width)
    for _ in 0..<fullPanels {
      copyPanelRow(from: from, to: to, bytes: rowBytes)
      from += rowBytes
      to += panelStride * MemoryLayout<T>.stride
    }
    if rest > 0 {
      let row = to.assumingMemoryBound(to: T.self)
      let src = from.assumingMemoryBound(to: T.self)
      for l in 0..<rest { row[l] = src[l] }
      for l in rest..<width { row[l] = 0 }
    }
  }
}

/// Copies one panel row (`bytes`, a multiple of 8: 12 or 32 floats, 6 or 16 doubles) with
/// vector moves.
@inline(__always)
private func copyPanelRow(from: UnsafeRawPointer, to: UnsafeMutableRawPointer, bytes: Int) {
  var offset = 0
  while offset + 32 <= bytes {
    to.storeBytes(
      of: from.loadUnaligned(fromByteOffset: offset, as: SIMD8<Float>.self),
      toByteOffset: offset, as: SIMD8<Float>.self)
    offset += 32
  }
  if offset + 16 <= bytes {
    to.storeBytes(
      of: from.loadUnaligned(fromByteOffset: offset, as: SIMD4<Float>.self),
      toByteOffset: offset, as: SIMD4<Float>.self)
    offset += 16
  }
  if offset + 8 <= bytes {
    to.storeBytes(
      of: from.loadUnaligned(fromByteOffset: offset, as: SIMD2<Float>.self),
      toByteOffset: offset, as: SIMD2<Float>.self)
    offset += 8
  }
  assert(offset == bytes, "copyPanelRow: \(bytes) bytes is not a multiple of 8")
}

/// Packs one panel whose `count` lanes (≤ `width`) are contiguous along depth, by 8×8 transposes,
/// prefetching the `nextCount` lanes of the next panel at `next` (same lane stride) meanwhile.
///
/// Lanes from `count` to `width` are zero. Writes only inside the panel (a partial last lane group
/// stores 4 or 2+4 floats), so panels can be packed concurrently.
@inline(__always)
private func packTransposed(
  _ src: UnsafePointer<Float>, laneStride: Int, count: Int, depth: Int, width: Int,
  into out: UnsafeMutablePointer<Float>, prefetching next: UnsafePointer<Float>, nextCount: Int
) {
  let groups = (width + 7) / 8
  var p = 0
  // The next panel's lines, a few per step, so that their misses overlap this panel's work
  // (lanes far apart, each read for only `depth` elements, defeat the hardware prefetcher).
  let linesPerRow = (depth + 15) / 16
  let touches = nextCount * linesPerRow
  let perStep = (touches * 8 + depth - 1) / max(depth, 1)
  var touched = 0
  var (touchRow, touchLine) = (0, 0)
  while p + 8 <= depth {
    var t = 0
    while t < perStep && touched < touches {
      prefetch(UnsafeRawPointer(next + touchRow * laneStride + touchLine * 16))
      touchLine += 1
      if touchLine == linesPerRow { (touchRow, touchLine) = (touchRow + 1, 0) }
      touched += 1
      t += 1
    }
    for group in 0..<groups {
      let first = group * 8
      @inline(__always) func row(_ r: Int) -> SIMD8<Float> {
        first + r < count
          ? UnsafeRawPointer(src + (first + r) * laneStride + p).loadUnaligned(
            as: SIMD8<Float>.self)
          : SIMD8<Float>()
      }
      var v = (row(0), row(1), row(2), row(3), row(4), row(5), row(6), row(7))
      transpose8x8(&v)
      let to = UnsafeMutableRawPointer(out + p * width + first)
      let step = width * 4
      @inline(__always) func put(_ t: Int, _ x: SIMD8<Float>) {
        assert(width - first >= 8 || width - first == 4 || width - first == 6)
        switch width - first {
        case 4:
          to.storeBytes(of: x.lowHalf, toByteOffset: t * step, as: SIMD4<Float>.self)
        case 6:
          to.storeBytes(of: x.lowHalf, toByteOffset: t * step, as: SIMD4<Float>.self)
          to.storeBytes(
            of: x.highHalf.lowHalf, toByteOffset: t * step + 16, as: SIMD2<Float>.self)
        default:
          to.storeBytes(of: x, toByteOffset: t * step, as: SIMD8<Float>.self)
        }
      }
      put(0, v.0)
      put(1, v.1)
      put(2, v.2)
      put(3, v.3)
      put(4, v.4)
      put(5, v.5)
      put(6, v.6)
      put(7, v.7)
    }
    p += 8
  }
  while p < depth {
    let row = out + p * width
    for l in 0..<count { row[l] = src[l * laneStride + p] }
    for l in count..<width { row[l] = 0 }
    p += 1
  }
}

/// Asks the CPU to start loading the cache line holding `address` into all cache levels
/// (`prefetcht0` on x86), without waiting for it; a hint with no effect on results.
@inline(__always)
func prefetch(_ address: UnsafeRawPointer) {
  llvmPrefetch(address, 0, 3, 1)
}

/// How many steps ahead ``packContiguousLanes(source:depthStride:lanes:depth:width:into:)``
/// prefetches its source.
private let prefetchSteps = 8

/// LLVM's prefetch intrinsic (address, 0 = read, locality 3 = keep in all levels, 1 = data):
/// Swift has no prefetch, but a function bound to the intrinsic's name compiles to it.
@_silgen_name("llvm.prefetch.p0")
private func llvmPrefetch(
  _ address: UnsafeRawPointer, _ write: Int32, _ locality: Int32, _ cacheType: Int32)

/// Writes a register tile's `rows`×`cols` corner from `sums` (row stride `nr`) to C.
///
/// Used for edge tiles only; adds exactly like the full-tile path, so results do not depend on
/// where a tile falls.
@inline(never)
private func writeEdgeTile<T: PackedGEMMScalar>(
  _ sums: UnsafePointer<T>, nr: Int, c: UnsafeMutablePointer<T>, ldc: Int, rows: Int,
  cols: Int, store: Bool
) {
  for row in 0..<rows {
    let to = c + row * ldc
    let from = sums + row * nr
    if store {
      for col in 0..<cols { to[col] = from[col] }
    } else {
      for col in 0..<cols { to[col] += from[col] }
    }
  }
}

#if AUTOGRAD_AVX512
  /// The 12×32 register-tile kernel (AVX-512: 24 `SIMD16<Float>` accumulators).
  ///
  /// `a` is a packed 12×`depth` panel (12 floats per step), `b` a packed `depth`×32 panel (32
  /// floats per step, 64-byte aligned). Only the top-left `rows`×`cols` of the tile are written;
  /// with `store` C is overwritten, otherwise the tile's sum is added to C.
  @inline(never)
  private func sgemmMicroKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, store: Bool
  ) {
    typealias V = SIMD16<Float>
    if cols <= 16 {
      // The right half of the tile is padding: half the multiply-adds.
      sgemmHalfMicroKernel(
        depth: depth, a: a, b: b, bStep: bStep, c: c, ldc: ldc, rows: rows, cols: cols,
        store: store)
      return
    }
    // The tile of C is read or written after the loop: start loading it now.
    for row in 0..<rows {
      let line = UnsafeRawPointer(c + row * ldc)
      prefetch(line)
      prefetch(line + 64)
      prefetch(line + 124)
    }
    var c00 = V()
    var c01 = V()
    var c10 = V()
    var c11 = V()
    var c20 = V()
    var c21 = V()
    var c30 = V()
    var c31 = V()
    var c40 = V()
    var c41 = V()
    var c50 = V()
    var c51 = V()
    var c60 = V()
    var c61 = V()
    var c70 = V()
    var c71 = V()
    var c80 = V()
    var c81 = V()
    var c90 = V()
    var c91 = V()
    var ca0 = V()
    var ca1 = V()
    var cb0 = V()
    var cb1 = V()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let b0 = pb.loadUnaligned(as: V.self)
      let b1 = pb.loadUnaligned(fromByteOffset: 64, as: V.self)
      var s = V(repeating: pa[0])
      c00 = c00.addingProduct(s, b0)
      c01 = c01.addingProduct(s, b1)
      s = V(repeating: pa[1])
      c10 = c10.addingProduct(s, b0)
      c11 = c11.addingProduct(s, b1)
      s = V(repeating: pa[2])
      c20 = c20.addingProduct(s, b0)
      c21 = c21.addingProduct(s, b1)
      s = V(repeating: pa[3])
      c30 = c30.addingProduct(s, b0)
      c31 = c31.addingProduct(s, b1)
      s = V(repeating: pa[4])
      c40 = c40.addingProduct(s, b0)
      c41 = c41.addingProduct(s, b1)
      s = V(repeating: pa[5])
      c50 = c50.addingProduct(s, b0)
      c51 = c51.addingProduct(s, b1)
      s = V(repeating: pa[6])
      c60 = c60.addingProduct(s, b0)
      c61 = c61.addingProduct(s, b1)
      s = V(repeating: pa[7])
      c70 = c70.addingProduct(s, b0)
      c71 = c71.addingProduct(s, b1)
      s = V(repeating: pa[8])
      c80 = c80.addingProduct(s, b0)
      c81 = c81.addingProduct(s, b1)
      s = V(repeating: pa[9])
      c90 = c90.addingProduct(s, b0)
      c91 = c91.addingProduct(s, b1)
      s = V(repeating: pa[10])
      ca0 = ca0.addingProduct(s, b0)
      ca1 = ca1.addingProduct(s, b1)
      s = V(repeating: pa[11])
      cb0 = cb0.addingProduct(s, b0)
      cb1 = cb1.addingProduct(s, b1)
      pa += 12
      pb += bStep
    }
    let tile = (
      c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51,
      c60, c61, c70, c71, c80, c81, c90, c91, ca0, ca1, cb0, cb1
    )
    if rows == 12 && cols == 32 {
      @inline(__always) func write(_ row: Int, _ lo: V, _ hi: V) {
        let to = UnsafeMutableRawPointer(c + row * ldc)
        if store {
          to.storeBytes(of: lo, as: V.self)
          to.storeBytes(of: hi, toByteOffset: 64, as: V.self)
        } else {
          to.storeBytes(of: to.loadUnaligned(as: V.self) + lo, as: V.self)
          to.storeBytes(
            of: to.loadUnaligned(fromByteOffset: 64, as: V.self) + hi, toByteOffset: 64,
            as: V.self)
        }
      }
      write(0, tile.0, tile.1)
      write(1, tile.2, tile.3)
      write(2, tile.4, tile.5)
      write(3, tile.6, tile.7)
      write(4, tile.8, tile.9)
      write(5, tile.10, tile.11)
      write(6, tile.12, tile.13)
      write(7, tile.14, tile.15)
      write(8, tile.16, tile.17)
      write(9, tile.18, tile.19)
      write(10, tile.20, tile.21)
      write(11, tile.22, tile.23)
      return
    }
    withUnsafeBytes(of: tile) { sums in
      writeEdgeTile(
        sums.assumingMemoryBound(to: Float.self).baseAddress!, nr: 32, c: c, ldc: ldc, rows: rows,
        cols: cols, store: store)
    }
  }

  /// The left half of the 12×32 tile (12 `SIMD16<Float>` accumulators), for an edge tile of at
  /// most 16 columns: reads the same packed panels (32 floats per step of `b`, of which the
  /// first 16) and computes each element by the same chain of FMAs as the full kernel.
  @inline(never)
  private func sgemmHalfMicroKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, store: Bool
  ) {
    typealias V = SIMD16<Float>
    var c0 = V()
    var c1 = V()
    var c2 = V()
    var c3 = V()
    var c4 = V()
    var c5 = V()
    var c6 = V()
    var c7 = V()
    var c8 = V()
    var c9 = V()
    var ca = V()
    var cb = V()
    var pa = a
    var pb = UnsafeRawPointer(b)
    for _ in 0..<depth {
      let b0 = pb.loadUnaligned(as: V.self)
      c0 = c0.addingProduct(V(repeating: pa[0]), b0)
      c1 = c1.addingProduct(V(repeating: pa[1]), b0)
      c2 = c2.addingProduct(V(repeating: pa[2]), b0)
      c3 = c3.addingProduct(V(repeating: pa[3]), b0)
      c4 = c4.addingProduct(V(repeating: pa[4]), b0)
      c5 = c5.addingProduct(V(repeating: pa[5]), b0)
      c6 = c6.addingProduct(V(repeating: pa[6]), b0)
      c7 = c7.addingProduct(V(repeating: pa[7]), b0)
      c8 = c8.addingProduct(V(repeating: pa[8]), b0)
      c9 = c9.addingProduct(V(repeating: pa[9]), b0)
      ca = ca.addingProduct(V(repeating: pa[10]), b0)
      cb = cb.addingProduct(V(repeating: pa[11]), b0)
      pa += 12
      pb += bStep
    }
    let tile = (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, ca, cb)
    withUnsafeBytes(of: tile) { sums in
      writeEdgeTile(
        sums.assumingMemoryBound(to: Float.self).baseAddress!, nr: 16, c: c, ldc: ldc, rows: rows,
        cols: cols, store: store)
    }
  }
#else
  /// The 6×16 register-tile kernel (AVX2: 12 `SIMD8<Float>` accumulators); see
  /// ``gemmMicroKernel6x2(_:depth:a:b:c:ldc:rows:cols:store:)``.
  @inline(__always)
  private func sgemmMicroKernel(
    depth: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>, bStep: Int,
    c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, cols: Int, store: Bool
  ) {
    gemmMicroKernel6x2(
      SIMD8<Float>.self, depth: depth, a: a, b: b, bStep: bStep, c: c, ldc: ldc, rows: rows,
      cols: cols, store: store)
  }
#endif

extension Kernels {
  /// Double-precision matrix product `C = op(A)·op(B) + beta·C`, all matrices row-major.
  ///
  /// Same contract as the `Float` overload (layouts, `beta` of 0 or 1, C never read when
  /// `beta == 0`, bit-identical for every thread count), and the same packed, blocked kernel
  /// with a register tile of `SIMD4<Double>` (`SIMD8<Double>` with AVX-512) vectors.
  public static func gemm(
    transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
    a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
    beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
  ) {
    precondition(m >= 0 && n >= 0 && k >= 0, "gemm: negative dimension")
    precondition(beta == 0 || beta == 1, "gemm: beta must be 0 or 1")
    precondition(lda >= (transA ? m : k), "gemm: lda too small")
    precondition(ldb >= (transB ? k : n), "gemm: ldb too small")
    precondition(ldc >= n, "gemm: ldc too small")
    if m == 0 || n == 0 { return }
    if k == 0 {
      if beta == 0 {
        for i in 0..<m { (c + i * ldc).update(repeating: 0, count: n) }
      }
      return
    }
    packedGEMM(
      transA: transA, transB: transB, m: m, n: n, k: k, a: a, lda: lda, b: b, ldb: ldb,
      beta: beta, c: c, ldc: ldc)
  }
}

/// The double-precision register-tile kernel: 6 rows × two `SIMD4<Double>` (`SIMD8<Double>`
/// with AVX-512); see ``gemmMicroKernel6x2(_:depth:a:b:c:ldc:rows:cols:store:)``.
@inline(__always)
private func dgemmMicroKernel(
  depth: Int, a: UnsafePointer<Double>, b: UnsafePointer<Double>, bStep: Int,
  c: UnsafeMutablePointer<Double>, ldc: Int, rows: Int, cols: Int, store: Bool
) {
  #if AUTOGRAD_AVX512
    typealias V = SIMD8<Double>
  #else
    typealias V = SIMD4<Double>
  #endif
  gemmMicroKernel6x2(
    V.self, depth: depth, a: a, b: b, bStep: bStep, c: c, ldc: ldc, rows: rows, cols: cols,
    store: store)
}

/// A register-tile kernel of 6 rows × two vectors `V` (12 accumulators): the AVX2 `Float` tile
/// and both `Double` tiles.
///
/// `a` is a packed 6×`depth` panel (6 scalars per step), `b` a packed `depth`×(2·lanes) panel.
/// Only the top-left `rows`×`cols` of the tile are written; with `store` C is overwritten,
/// otherwise the tile's sum is added to C. Each element is a chain of FMAs in increasing depth.
@inline(never)
private func gemmMicroKernel6x2<V: SIMD>(
  _: V.Type, depth: Int, a: UnsafePointer<V.Scalar>, b: UnsafePointer<V.Scalar>, bStep: Int,
  c: UnsafeMutablePointer<V.Scalar>, ldc: Int, rows: Int, cols: Int, store: Bool
) where V.Scalar: PackedGEMMScalar {
  let width = MemoryLayout<V>.size
  // The tile of C is read or written after the loop: start loading it now (its rows are far
  // apart, so the hardware prefetcher does not; 1024³ on the AVX2 Zen 3 machine, one thread,
  // six alternations: 49–64 → 59–79 GFLOPS).
  for row in 0..<rows {
    let line = UnsafeRawPointer(c + row * ldc)
    prefetch(line)
    prefetch(line + 2 * width - 4)
  }
  var c00 = V()
  var c01 = V()
  var c10 = V()
  var c11 = V()
  var c20 = V()
  var c21 = V()
  var c30 = V()
  var c31 = V()
  var c40 = V()
  var c41 = V()
  var c50 = V()
  var c51 = V()
  var pa = a
  var pb = UnsafeRawPointer(b)
  for _ in 0..<depth {
    let b0 = pb.loadUnaligned(as: V.self)
    let b1 = pb.loadUnaligned(fromByteOffset: width, as: V.self)
    var s = V(repeating: pa[0])
    c00 = c00.addingProduct(s, b0)
    c01 = c01.addingProduct(s, b1)
    s = V(repeating: pa[1])
    c10 = c10.addingProduct(s, b0)
    c11 = c11.addingProduct(s, b1)
    s = V(repeating: pa[2])
    c20 = c20.addingProduct(s, b0)
    c21 = c21.addingProduct(s, b1)
    s = V(repeating: pa[3])
    c30 = c30.addingProduct(s, b0)
    c31 = c31.addingProduct(s, b1)
    s = V(repeating: pa[4])
    c40 = c40.addingProduct(s, b0)
    c41 = c41.addingProduct(s, b1)
    s = V(repeating: pa[5])
    c50 = c50.addingProduct(s, b0)
    c51 = c51.addingProduct(s, b1)
    pa += 6
    pb += bStep
  }
  let tile = (c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51)
  let nr = 2 * V.scalarCount
  if rows == 6 && cols == nr {
    @inline(__always) func write(_ row: Int, _ lo: V, _ hi: V) {
      let to = UnsafeMutableRawPointer(c + row * ldc)
      if store {
        to.storeBytes(of: lo, as: V.self)
        to.storeBytes(of: hi, toByteOffset: width, as: V.self)
      } else {
        to.storeBytes(of: to.loadUnaligned(as: V.self) + lo, as: V.self)
        to.storeBytes(
          of: to.loadUnaligned(fromByteOffset: width, as: V.self) + hi, toByteOffset: width,
          as: V.self)
      }
    }
    write(0, tile.0, tile.1)
    write(1, tile.2, tile.3)
    write(2, tile.4, tile.5)
    write(3, tile.6, tile.7)
    write(4, tile.8, tile.9)
    write(5, tile.10, tile.11)
    return
  }
  withUnsafeBytes(of: tile) { sums in
    writeEdgeTile(
      sums.assumingMemoryBound(to: V.Scalar.self).baseAddress!, nr: nr, c: c, ldc: ldc,
      rows: rows, cols: cols, store: store)
  }
}
