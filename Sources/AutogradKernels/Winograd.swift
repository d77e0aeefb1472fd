// Winograd F(2×2, 3×3) convolution for 3×3 stride-1 kernels (Lavin & Gray, 2015): each 2×2
// output tile is Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A of its 4×4 input tile d, so the channel sums become 16
// matrix products of [K, C] by [C, tiles] (one per tile position ξ) with 2.25× fewer multiplies
// than direct convolution. Transforms run across a tile row at a time (contiguous in the tile
// index, so they vectorise); tiles are taken a few tile rows at a time so that the transformed
// input and the products stay in the core's cache. Every image is computed by the same serial
// sequence of operations, so results do not depend on the thread count.
//
//   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1]   G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1]
//   Aᵀ = [1 1 1 0; 0 1 −1 −1]

import Foundation
import Synchronization

/// How conv2d computes its products.
public enum ConvolutionAlgorithm: Int, Sendable {
  /// The fastest measured path: im2col + GEMM for now, since Winograd was not yet faster on the
  /// MNIST CNN's shapes (see Documentation/Performance.md).
  case automatic = 0
  /// Always im2col + GEMM (the direct path).
  case im2col = 1
  /// Winograd whenever the kernel is 3×3 with stride 1, whatever the channel counts.
  case winograd = 2
}

/// The process-wide choice; see `Kernels.convolutionAlgorithm`.
private let convolutionAlgorithmSetting = Atomic<Int>(defaultConvolutionAlgorithm().rawValue)

/// Reads `AUTOGRAD_CONV` (`im2col`, `winograd` or `automatic`), defaulting to `automatic`.
private func defaultConvolutionAlgorithm() -> ConvolutionAlgorithm {
  Kernels.environmentSetting("AUTOGRAD_CONV", expected: "im2col, winograd or automatic") {
    switch $0.lowercased() {
    case "im2col", "direct": ConvolutionAlgorithm.im2col
    case "winograd": .winograd
    case "automatic": .automatic
    default: nil
    }
  } ?? .automatic
}

extension Kernels {
  /// The convolution algorithm: `AUTOGRAD_CONV` at start-up, until set.
  public static var convolutionAlgorithm: ConvolutionAlgorithm {
    get { ConvolutionAlgorithm(rawValue: convolutionAlgorithmSetting.load(ordering: .relaxed))! }
    set { convolutionAlgorithmSetting.store(newValue.rawValue, ordering: .relaxed) }
  }

  /// Whether a convolution of `geometry` from `inChannels` to `outChannels` channels runs as
  /// Winograd under the current setting. Automatic does not pick it yet: on the CNN's conv2
  /// (32 → 64 channels, 26×26) it measured 22–28 ms forward against 20–22 ms for im2col.
  public static func usesWinograd(
    _ geometry: ConvGeometry, inChannels: Int, outChannels: Int
  ) -> Bool {
    guard geometry.kernelH == 3, geometry.kernelW == 3, geometry.stride == 1 else { return false }
    switch convolutionAlgorithm {
    case .im2col: return false
    case .winograd: return true
    case .automatic: return false
    }
  }
}

/// Winograd F(2×2, 3×3) for one convolution shape: `inChannels` → `outChannels`, 3×3, stride 1.
public struct WinogradConvolution {
  public let n, inChannels, outChannels, height, width, padding, outH, outW: Int
  public let tilesH, tilesW: Int
  /// Tile rows per block: enough tiles that the products are wide, few enough that the block's
  /// transformed input and products fit the core's L2 cache.
  public let blockRows: Int

  public init(n: Int, inChannels: Int, outChannels: Int, height: Int, width: Int, padding: Int) {
    (self.n, self.inChannels, self.outChannels) = (n, inChannels, outChannels)
    (self.height, self.width, self.padding) = (height, width, padding)
    outH = height + 2 * padding - 2
    outW = width + 2 * padding - 2
    tilesH = (outH + 1) / 2
    tilesW = (outW + 1) / 2
    // ~256 KiB of Float per block for V [16, C, tiles] and M [16, K, tiles].
    let perTile = 16 * (inChannels + outChannels) * 4
    let tiles = Swift.max(16, Swift.min(96, (256 * 1024) / Swift.max(perTile, 1)))
    blockRows = Swift.max(1, Swift.min(tilesH, (tiles + tilesW - 1) / tilesW))
  }

  /// Writes U [16, outChannels, inChannels], the transformed 3×3 kernels G g Gᵀ. With `adjoint`
  /// false the kernels are `weight` [outChannels, inChannels, 3, 3]; with `adjoint` true they are
  /// the flipped transposes of `weight` [inChannels, outChannels, 3, 3], g[k, c, i, j] =
  /// weight[c, k, 2 − i, 2 − j], the kernels of a convolution's input gradient.
  @inlinable public func transformWeight<T: KernelScalar>(
    _ weight: UnsafePointer<T>, adjoint: Bool, _ u: UnsafeMutablePointer<T>
  ) {
    let (k, c) = (outChannels, inChannels)
    let half = T(0.5)
    for kk in 0..<k {
      for cc in 0..<c {
        let src = adjoint ? weight + (cc * k + kk) * 9 : weight + (kk * c + cc) * 9
        // g[i][j], flipped for the adjoint.
        func g(_ i: Int, _ j: Int) -> T { adjoint ? src[8 - (i * 3 + j)] : src[i * 3 + j] }
        // t = G g [4, 3], then U = t Gᵀ [4, 4].
        for a in 0..<4 {
          var t = (T(0), T(0), T(0))
          for j in 0..<3 {
            let value: T
            switch a {
            case 0: value = g(0, j)
            case 1: value = half * (g(0, j) + g(1, j) + g(2, j))
            case 2: value = half * (g(0, j) - g(1, j) + g(2, j))
            default: value = g(2, j)
            }
            if j == 0 { t.0 = value } else if j == 1 { t.1 = value } else { t.2 = value }
          }
          let row = u + (a * 4 * k + kk) * c + cc
          let step = k * c
          row[0] = t.0
          row[step] = half * (t.0 + t.1 + t.2)
          row[2 * step] = half * (t.0 - t.1 + t.2)
          row[3 * step] = t.2
        }
      }
    }
  }

  /// Writes `out` [n, outChannels, outH, outW] for `input` [n, inChannels, height, width], the
  /// transformed kernels `u` (from ``transformWeight(_:adjoint:_:)``) and optional `bias`.
  @inlinable public func forward<T: KernelScalar>(
    _: T.Type, _ input: UnsafePointer<T>, _ u: UnsafePointer<T>, _ bias: UnsafePointer<T>?,
    _ out: UnsafeMutablePointer<T>
  ) {
    let x = UncheckedSendable(input)
    let up = UncheckedSendable(u)
    let y = UncheckedSendable(out)
    let bp = UncheckedSendable(bias)
    Kernels.forEachImage(n) { j in
      image(
        T.self, x.value + j * inChannels * height * width, up.value, bp.value,
        y.value + j * outChannels * outH * outW)
    }
  }

  /// One image, block of tile rows by block.
  @inlinable func image<T: KernelScalar>(
    _: T.Type, _ x: UnsafePointer<T>, _ u: UnsafePointer<T>, _ bias: UnsafePointer<T>?,
    _ y: UnsafeMutablePointer<T>
  ) {
    let (c, k, tw) = (inChannels, outChannels, tilesW)
    let blockTiles = blockRows * tw
    // Row scratch: even/odd deinterleaved input rows (8 × rowSpan), and 16 rows of paddedTiles.
    let rowScratch = 8 * rowSpan + 16 * paddedTiles
    Kernels.withScratch(T.self, count: 16 * (c + k) * blockTiles + rowScratch) { scratch in
      let v = scratch
      let m = scratch + 16 * c * blockTiles
      let rows = m + 16 * k * blockTiles
      let t = rows + 8 * rowSpan
      var ty0 = 0
      while ty0 < tilesH {
        let ty1 = Swift.min(tilesH, ty0 + blockRows)
        let p = (ty1 - ty0) * tw
        for ch in 0..<c {
          let plane = x + ch * height * width
          for ty in ty0..<ty1 {
            transformInputRow(plane, ty, rows, t, v + ch * p + (ty - ty0) * tw, stride: c * p)
          }
        }
        for xi in 0..<16 {
          // M[ξ] [k, p] = U[ξ] [k, c] · V[ξ] [c, p]
          Kernels.gemm(
            T.self, transA: false, transB: false, m: k, n: p, k: c, a: u + xi * k * c, lda: c,
            b: v + xi * c * p, ldb: p, beta: 0, c: m + xi * k * p, ldc: p)
        }
        for kk in 0..<k {
          let shift = bias?[kk] ?? 0
          let plane = y + kk * outH * outW
          for ty in ty0..<ty1 {
            transformOutputRow(m + kk * p + (ty - ty0) * tw, stride: k * p, t, shift, plane, ty)
          }
        }
        ty0 = ty1
      }
    }
  }

  /// The tiles of a row rounded up to whole 8-lane vectors.
  @inlinable var paddedTiles: Int { (tilesW + 7) & ~7 }
  /// The length of a deinterleaved input row in the scratch: `paddedTiles` + 8, so that the
  /// vector loads at `q + 1` stay inside it.
  @inlinable var rowSpan: Int { paddedTiles + 8 }

  /// Writes the 16 transformed values Bᵀ d B of every tile in tile row `ty` of one channel
  /// `plane` to `v[ξ·stride + tx]`, using `rows` (8 × rowSpan) and `t` (16 × paddedTiles) as
  /// scratch.
  @inlinable @inline(__always) func transformInputRow<T: KernelScalar>(
    _ plane: UnsafePointer<T>, _ ty: Int, _ rows: UnsafeMutablePointer<T>,
    _ t: UnsafeMutablePointer<T>, _ v: UnsafeMutablePointer<T>, stride: Int
  ) {
    let (tw, tp, span) = (tilesW, paddedTiles, rowSpan)
    // rows[2r] = even columns, rows[2r + 1] = odd columns of input row 2·ty − padding + r, zero
    // outside the image: element q is column 2q − padding (even) or 2q + 1 − padding (odd).
    let used = tw + 1
    for r in 0..<4 {
      let even = rows + (2 &* r) &* span
      let odd = even + span
      let iy = 2 &* ty &- padding &+ r
      if iy < 0 || iy >= height {
        even.update(repeating: 0, count: 2 * span)
        continue
      }
      let line = plane + iy &* width
      let evenLo = Swift.min(used, (padding + 1) / 2)
      let evenHi = Swift.max(evenLo, Swift.min(used, (width - 1 + padding) / 2 + 1))
      let oddLo = Swift.min(used, padding / 2)
      let oddHi =
        width - 2 + padding < 0
        ? oddLo : Swift.max(oddLo, Swift.min(used, (width - 2 + padding) / 2 + 1))
      for q in 0..<evenLo { even[q] = 0 }
      for q in evenLo..<evenHi { even[q] = line[2 &* q &- padding] }
      for q in evenHi..<span { even[q] = 0 }
      for q in 0..<oddLo { odd[q] = 0 }
      for q in oddLo..<oddHi { odd[q] = line[2 &* q &+ 1 &- padding] }
      for q in oddHi..<span { odd[q] = 0 }
    }
    // Along x: t[r][b][tx] = (d B)[r][b] with d[r][2tx + s] = (e, o, e⁺, o⁺)[s].
    for r in 0..<4 {
      let e = rows + (2 &* r) &* span
      let o = e + span
      let t0 = t + (r &* 4) &* tp
      let (t1, t2, t3) = (t0 + tp, t0 + 2 &* tp, t0 + 3 &* tp)
      var q = 0
      while q < tp {
        let (e0, o0) = (load8(e + q), load8(o + q))
        let (e1, o1) = (load8(e + q + 1), load8(o + q + 1))
        store8(e0 - e1, t0 + q)
        store8(o0 + e1, t1 + q)
        store8(e1 - o0, t2 + q)
        store8(o0 - o1, t3 + q)
        q &+= 8
      }
    }
    // Along y: V[a·4 + b] = (Bᵀ t)[a][b].
    for b in 0..<4 {
      let r0 = t + b &* tp
      let (r1, r2, r3) = (r0 + 4 &* tp, r0 + 8 &* tp, r0 + 12 &* tp)
      let v0 = v + b &* stride
      let (v1, v2, v3) = (v0 + 4 &* stride, v0 + 8 &* stride, v0 + 12 &* stride)
      var q = 0
      while q &+ 8 <= tw {
        let (a0, a1, a2, a3) = (load8(r0 + q), load8(r1 + q), load8(r2 + q), load8(r3 + q))
        store8(a0 - a2, v0 + q)
        store8(a1 + a2, v1 + q)
        store8(a2 - a1, v2 + q)
        store8(a1 - a3, v3 + q)
        q &+= 8
      }
      while q < tw {
        let (a0, a1, a2, a3) = (r0[q], r1[q], r2[q], r3[q])
        v0[q] = a0 - a2
        v1[q] = a1 + a2
        v2[q] = a2 - a1
        v3[q] = a1 - a3
        q &+= 1
      }
    }
  }

  /// Writes the 2×2 outputs Aᵀ m A (+ `shift`) of every tile in tile row `ty` of one output
  /// channel to `plane`, from the products `m[ξ·stride + tx]`, using `t` (4 × paddedTiles) as
  /// scratch.
  @inlinable @inline(__always) func transformOutputRow<T: KernelScalar>(
    _ m: UnsafePointer<T>, stride: Int, _ t: UnsafeMutablePointer<T>, _ shift: T,
    _ plane: UnsafeMutablePointer<T>, _ ty: Int
  ) {
    let (tw, tp) = (tilesW, paddedTiles)
    // y[r][x] = (Aᵀ m A)[r][x] in t[(r·2 + x)·tp + tx]: first s = m A (per tile-row a), then Aᵀ s.
    let (y00, y01, y10, y11) = (t, t + tp, t + 2 &* tp, t + 3 &* tp)
    var q = 0
    while q &+ 8 <= tw {
      let row = m + q
      @inline(__always) func at(_ xi: Int) -> SIMD8<T> { load8(row + xi &* stride) }
      let s00 = at(0) + at(1) + at(2)
      let s01 = at(1) - at(2) - at(3)
      let s10 = at(4) + at(5) + at(6)
      let s11 = at(5) - at(6) - at(7)
      let s20 = at(8) + at(9) + at(10)
      let s21 = at(9) - at(10) - at(11)
      let s30 = at(12) + at(13) + at(14)
      let s31 = at(13) - at(14) - at(15)
      let bias = SIMD8<T>(repeating: shift)
      store8(s00 + s10 + s20 + bias, y00 + q)
      store8(s01 + s11 + s21 + bias, y01 + q)
      store8(s10 - s20 - s30 + bias, y10 + q)
      store8(s11 - s21 - s31 + bias, y11 + q)
      q &+= 8
    }
    while q < tw {
      let row = m + q
      @inline(__always) func at(_ xi: Int) -> T { row[xi &* stride] }
      let s00 = at(0) + at(1) + at(2)
      let s01 = at(1) - at(2) - at(3)
      let s10 = at(4) + at(5) + at(6)
      let s11 = at(5) - at(6) - at(7)
      let s20 = at(8) + at(9) + at(10)
      let s21 = at(9) - at(10) - at(11)
      let s30 = at(12) + at(13) + at(14)
      let s31 = at(13) - at(14) - at(15)
      y00[q] = s00 + s10 + s20 + shift
      y01[q] = s01 + s11 + s21 + shift
      y10[q] = s10 - s20 - s30 + shift
      y11[q] = s11 - s21 - s31 + shift
      q &+= 1
    }
    for r in 0..<2 {
      let oy = 2 &* ty &+ r
      guard oy < outH else { break }
      let line = plane + oy &* outW
      let even = r == 0 ? y00 : y10
      let odd = r == 0 ? y01 : y11
      let pairs = outW / 2
      for q in 0..<pairs {
        line[2 &* q] = even[q]
        line[2 &* q &+ 1] = odd[q]
      }
      if outW % 2 == 1 { line[outW &- 1] = even[pairs] }
    }
  }
}

/// Eight consecutive elements at `p` (any alignment).
@inlinable @inline(__always) func load8<T: KernelScalar>(_ p: UnsafePointer<T>) -> SIMD8<T> {
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
}

/// Eight consecutive elements at `p` (any alignment).
@inlinable @inline(__always) func load8<T: KernelScalar>(_ p: UnsafeMutablePointer<T>)
  -> SIMD8<T>
{
  UnsafeRawPointer(p).loadUnaligned(as: SIMD8<T>.self)
}

/// Stores eight elements at `p` (any alignment).
@inlinable @inline(__always) func store8<T: KernelScalar>(
  _ value: SIMD8<T>, _ p: UnsafeMutablePointer<T>
) {
  UnsafeMutableRawPointer(p).storeBytes(of: value, as: SIMD8<T>.self)
}
