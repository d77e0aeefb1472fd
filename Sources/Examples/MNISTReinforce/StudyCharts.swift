import ExampleSupport
import Foundation

/// The image sets a `--log-classes` table covers.
public enum ClassLogSet: String, CommandLineChoice {
  /// The fixed training batch (runs with `--fixed-batch`), logged at every report.
  case batch
  /// The test set, logged at every evaluation.
  case test
}

/// A CSV table read back: its header and rows.
public typealias CSVTable = (header: [String], rows: [[String]])

/// The mean over runs of one column of their CSV logs, step by step, with a band of ± one
/// standard deviation (the sample's, over the runs that logged that step).
///
/// - Parameters:
///   - tables: The runs' logs, each with a `step` column.
///   - column: The column to average (`score`, `test_accuracy`, …); empty cells are skipped.
/// - Returns: `(step, mean)` points and `(step, mean − sd, mean + sd)` band entries, in order of
///   step.
public func meanCurve(_ tables: [CSVTable], column: String) throws -> (
  points: [(Double, Double)], band: [(x: Double, low: Double, high: Double)]
) {
  var values = [Double: [Double]]()
  for table in tables {
    guard let s = table.header.firstIndex(of: "step"),
      let c = table.header.firstIndex(of: column)
    else {
      throw UsageError(
        "a log has no '\(column)' column (columns: \(table.header.joined(separator: ", ")))")
    }
    for row in table.rows where row.count == table.header.count {
      if let step = Double(row[s]), let value = Double(row[c]) {
        values[step, default: []].append(value)
      }
    }
  }
  var points = [(Double, Double)]()
  var band = [(x: Double, low: Double, high: Double)]()
  for step in values.keys.sorted() {
    let v = values[step]!
    let mean = v.reduce(0, +) / Double(v.count)
    let sd =
      v.count > 1
      ? (v.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(v.count - 1)).squareRoot() : 0
    points.append((step, mean))
    band.append((step, mean - sd, mean + sd))
  }
  return (points, band)
}

/// A chart of several groups of runs, each drawn as its mean curve over runs with a ± one
/// standard deviation band; `yRange` `nil` fits the data.
public func meanCurveChart(
  title: String, groups: [(name: String, tables: [CSVTable])], column: String,
  yLabel: String? = nil, yRange: ClosedRange<Double>? = 0...1
) throws -> SVGChart {
  var series = [SVGChart.Series]()
  for (index, group) in groups.enumerated() {
    let (points, band) = try meanCurve(group.tables, column: column)
    series.append(
      .init(
        name: "\(group.name) (\(group.tables.count) runs)", points: points, color: index,
        band: band))
  }
  return SVGChart(
    title: title, xLabel: "step", yLabel: yLabel ?? "\(column), mean ± sd", series: series,
    yRange: yRange)
}

/// A chart of one run's `--log-classes` table on one set (`batch` or `test`): each digit class's
/// mean π(y|x), with the accuracy over all classes as a thick black line, so that a plateau shows
/// as classes held near zero and a jump as one class leaving it.
public func classChart(title: String, table: CSVTable, set: ClassLogSet) throws -> SVGChart {
  func column(_ name: String) throws -> Int {
    guard let i = table.header.firstIndex(of: name) else {
      throw UsageError("the class log has no '\(name)' column")
    }
    return i
  }
  let (s, setColumn, c, n, a, p) = (
    try column("step"), try column("set"), try column("class"), try column("count"),
    try column("accuracy"), try column("mean_label_probability")
  )
  var perClass = [[(Double, Double)]](repeating: [], count: 10)
  var correct = [Double: (right: Double, all: Double)]()
  for row in table.rows where row.count == table.header.count && row[setColumn] == set.rawValue {
    guard let step = Double(row[s]), let k = Int(row[c]), (0..<10).contains(k),
      let count = Double(row[n]), let accuracy = Double(row[a]), let probability = Double(row[p])
    else { continue }
    perClass[k].append((step, probability))
    correct[step, default: (0, 0)].right += accuracy * count
    correct[step, default: (0, 0)].all += count
  }
  guard perClass.contains(where: { !$0.isEmpty }) else {
    throw UsageError("the class log has no rows for the set '\(set.rawValue)'")
  }
  var series = (0..<10).map {
    SVGChart.Series(name: "digit \($0): mean π(y|x)", points: perClass[$0], color: $0)
  }
  series.append(
    .init(
      name: "accuracy, all digits",
      points: correct.keys.sorted().map { ($0, correct[$0]!.right / max(correct[$0]!.all, 1)) },
      color: 10, width: 3))
  return SVGChart(
    title: title, xLabel: "step", yLabel: "mean π(y|x) per digit / accuracy", series: series,
    yRange: 0...1)
}
