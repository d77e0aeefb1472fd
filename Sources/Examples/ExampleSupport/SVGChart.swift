import Foundation
import NN

/// A self-contained SVG line chart with axes, tick labels, a title and a legend.
public struct SVGChart {
  /// One named line.
  public struct Series {
    /// The legend entry.
    public var name: String
    /// The (x, y) points, in order of x.
    public var points: [(Double, Double)]
    /// The palette index of the line's colour (`nil`: the series' position).
    public var color: Int?
    /// Whether the line is dashed.
    public var dashed: Bool
    /// Whether the points are drawn as dots, unconnected (a scatter plot).
    public var scatter: Bool
    /// A shaded band drawn under the line, `(x, low, high)` in order of x (a spread over seeds,
    /// say); empty for none.
    public var band: [(x: Double, low: Double, high: Double)]
    /// The line's width in pixels.
    public var width: Double
    /// Creates a series.
    public init(
      name: String, points: [(Double, Double)], color: Int? = nil, dashed: Bool = false,
      scatter: Bool = false, band: [(x: Double, low: Double, high: Double)] = [],
      width: Double = 1.5
    ) {
      self.name = name
      self.points = points
      self.color = color
      self.dashed = dashed
      self.scatter = scatter
      self.band = band
      self.width = width
    }
  }

  /// The title above the plot.
  public var title: String
  /// The x-axis label.
  public var xLabel: String
  /// The y-axis label.
  public var yLabel: String
  /// The lines.
  public var series: [Series]
  /// The y range, or `nil` to fit the data.
  public var yRange: ClosedRange<Double>?
  /// The x range, or `nil` to fit the data.
  public var xRange: ClosedRange<Double>?

  /// Creates a chart.
  public init(
    title: String, xLabel: String, yLabel: String, series: [Series],
    yRange: ClosedRange<Double>? = nil, xRange: ClosedRange<Double>? = nil
  ) {
    self.xRange = xRange
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
    self.yRange = yRange
  }

  static let palette = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#bcbd22", "#7f7f7f", "#000000",
  ]

  /// "Nice" tick values covering `lo…hi`.
  static func ticks(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
    guard hi > lo else { return [lo] }
    let raw = (hi - lo) / Double(count)
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var t = ceil(lo / step) * step
    var result = [Double]()
    while t <= hi + step * 1e-9 {
      result.append(abs(t) < step * 1e-9 ? 0 : t)
      t += step
    }
    return result
  }

  static func label(_ v: Double) -> String {
    if v == v.rounded() && abs(v) < 1e7 { return String(Int(v)) }
    return String(format: "%g", v)
  }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }

  /// The chart as an SVG document.
  public var svg: String {
    let legendWidth = Double(series.map(\.name.count).max() ?? 0) * 7 + 70
    let (width, height) = (570.0 + legendWidth, 440.0)
    let (left, right, top, bottom) = (70.0, legendWidth, 50.0, 60.0)
    let plotW = width - left - right
    let plotH = height - top - bottom
    let all = series.flatMap(\.points)
    let xs = all.map(\.0)
    let ys = (all.map(\.1) + series.flatMap { $0.band.flatMap { [$0.low, $0.high] } })
      .filter(\.isFinite)
    let xLo = xRange?.lowerBound ?? (xs.min() ?? 0)
    var xHi = xRange?.upperBound ?? (xs.max() ?? 1)
    if xHi <= xLo { xHi = xLo + 1 }
    var yLo = yRange?.lowerBound ?? (ys.min() ?? 0)
    var yHi = yRange?.upperBound ?? (ys.max() ?? 1)
    if yHi <= yLo {
      yLo -= 0.5
      yHi += 0.5
    }
    func px(_ x: Double) -> Double { left + (x - xLo) / (xHi - xLo) * plotW }
    func py(_ y: Double) -> Double { top + (1 - (y - yLo) / (yHi - yLo)) * plotH }
    var s = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(left + plotW / 2)" y="28" text-anchor="middle" font-size="16" font-weight="bold">\(Self.escape(title))</text>

      """
    for t in Self.ticks(yLo, yHi) {
      let y = py(t)
      s +=
        "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + plotW)\" y2=\"\(y)\" stroke=\"#e5e5e5\"/>\n"
      s += "<text x=\"\(left - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(Self.label(t))</text>\n"
    }
    for t in Self.ticks(xLo, xHi) {
      let x = px(t)
      s +=
        "<line x1=\"\(x)\" y1=\"\(top + plotH)\" x2=\"\(x)\" y2=\"\(top + plotH + 5)\" stroke=\"black\"/>\n"
      s +=
        "<text x=\"\(x)\" y=\"\(top + plotH + 20)\" text-anchor=\"middle\">\(Self.label(t))</text>\n"
    }
    s +=
      "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(plotW)\" height=\"\(plotH)\" fill=\"none\" stroke=\"black\"/>\n"
    s +=
      "<text x=\"\(left + plotW / 2)\" y=\"\(height - 15)\" text-anchor=\"middle\">\(Self.escape(xLabel))</text>\n"
    s +=
      "<text transform=\"translate(18 \(top + plotH / 2)) rotate(-90)\" text-anchor=\"middle\">\(Self.escape(yLabel))</text>\n"
    func clampY(_ y: Double) -> Double { py(Swift.min(Swift.max(y, yLo), yHi)) }
    for (i, line) in series.enumerated() where !line.band.isEmpty {
      let color = Self.palette[(line.color ?? i) % Self.palette.count]
      let band = line.band.filter { $0.low.isFinite && $0.high.isFinite }
      let outline =
        band.map { String(format: "%.1f,%.1f", px($0.x), clampY($0.high)) }
        + band.reversed().map { String(format: "%.1f,%.1f", px($0.x), clampY($0.low)) }
      s +=
        "<polygon fill=\"\(color)\" fill-opacity=\"0.18\" stroke=\"none\" points=\"\(outline.joined(separator: " "))\"/>\n"
    }
    for (i, line) in series.enumerated() {
      let color = Self.palette[(line.color ?? i) % Self.palette.count]
      let dash = line.dashed ? " stroke-dasharray=\"6 4\"" : ""
      let points = line.points.filter { $0.1.isFinite }
        .map { String(format: "%.1f,%.1f", px($0.0), py(Swift.min(Swift.max($0.1, yLo), yHi))) }
      if line.scatter {
        for p in points {
          let xy = p.split(separator: ",")
          s +=
            "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"1.5\" fill=\"\(color)\" fill-opacity=\"0.6\"/>\n"
        }
      } else if points.count == 1 {
        let p = points[0].split(separator: ",")
        s += "<circle cx=\"\(p[0])\" cy=\"\(p[1])\" r=\"3\" fill=\"\(color)\"/>\n"
      } else if !points.isEmpty {
        s +=
          "<polyline fill=\"none\" stroke=\"\(color)\" stroke-width=\"\(line.width)\"\(dash) points=\"\(points.joined(separator: " "))\"/>\n"
      }
      let ly = top + 10 + Double(i) * 20
      s +=
        "<line x1=\"\(left + plotW + 15)\" y1=\"\(ly)\" x2=\"\(left + plotW + 40)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)/>\n"
      s += "<text x=\"\(left + plotW + 46)\" y=\"\(ly + 4)\">\(Self.escape(line.name))</text>\n"
    }
    return s + "</svg>\n"
  }

  /// Writes the SVG to `url` atomically.
  public func write(to url: URL) throws {
    try writeAtomically(Data(svg.utf8), to: url)
  }
}
