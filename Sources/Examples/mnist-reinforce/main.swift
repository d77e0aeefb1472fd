import ExampleSupport
import Foundation
import MNISTReinforce
import NN

let arguments = Array(CommandLine.arguments.dropFirst())

runCommandLine(usage: Options.usage) {
  if wantsHelp(arguments) {
    print(Options.usage)
    return
  }
  if arguments.first == "plot" {
    try plotLogs(Array(arguments.dropFirst()))
    return
  }
  if arguments.first == "plot-mean" {
    try plotMeans(Array(arguments.dropFirst()))
    return
  }
  if arguments.first == "plot-classes" {
    try plotClasses(Array(arguments.dropFirst()))
    return
  }
  let options = try Options(arguments: arguments)
  var progress = ProgressLine(total: options.steps)
  let result = try runExperiment(options, progress: &progress)
  progress.finish()
  if let accuracy = result.testAccuracies.last?.accuracy {
    print("test accuracy \(accuracy)")
  }
}

/// `mnist-reinforce plot a.csv b.csv … -o out.svg [--title T]`: several logs on one chart.
func plotLogs(_ arguments: [String]) throws {
  let args = try Arguments(arguments, valued: ["-o", "--title"], boolean: [])
  guard let output = args.string("-o") else { throw UsageError("plot needs -o OUT.svg") }
  guard !args.positional.isEmpty else { throw UsageError("plot needs at least one CSV log") }
  var logs = [(name: String, log: CSVLog)]()
  for path in args.positional {
    let (header, rows) = try CSVLog.read(from: URL(fileURLWithPath: path))
    var log = CSVLog(header: header)
    for row in rows where row.count == header.count { log.append(row) }
    logs.append((URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent, log))
  }
  try learningCurve(title: args.string("--title") ?? "MNIST REINFORCE", logs: logs)
    .write(to: URL(fileURLWithPath: output))
  print("wrote \(output)")
}

/// `mnist-reinforce plot-mean NAME=a.csv,b.csv … -o out.svg [--column C] [--title T]`: each
/// group's mean curve over its runs, with a ± sd band.
func plotMeans(_ arguments: [String]) throws {
  let args = try Arguments(arguments, valued: ["-o", "--title", "--column"], boolean: [])
  guard let output = args.string("-o") else { throw UsageError("plot-mean needs -o OUT.svg") }
  guard !args.positional.isEmpty else {
    throw UsageError("plot-mean needs at least one group NAME=a.csv,b.csv")
  }
  var groups = [(name: String, tables: [CSVTable])]()
  for group in args.positional {
    guard let equals = group.firstIndex(of: "="), equals != group.startIndex else {
      throw UsageError("plot-mean: expected NAME=a.csv,b.csv, got '\(group)'")
    }
    let paths = group[group.index(after: equals)...].split(separator: ",").map(String.init)
    guard !paths.isEmpty else { throw UsageError("plot-mean: group '\(group)' has no files") }
    groups.append(
      (String(group[..<equals]), try paths.map { try CSVLog.read(from: URL(fileURLWithPath: $0)) }))
  }
  let column = args.string("--column") ?? "score"
  try meanCurveChart(
    title: args.string("--title") ?? "MNIST REINFORCE", groups: groups, column: column,
    yRange: ["score", "test_accuracy"].contains(column) ? 0...1 : nil
  ).write(to: URL(fileURLWithPath: output))
  print("wrote \(output)")
}

/// `mnist-reinforce plot-classes classes.csv -o out.svg [--set batch|test] [--title T]`: one
/// run's per-class mean π(y|x) from `--log-classes`.
func plotClasses(_ arguments: [String]) throws {
  let args = try Arguments(arguments, valued: ["-o", "--title", "--set"], boolean: [])
  guard let output = args.string("-o") else { throw UsageError("plot-classes needs -o OUT.svg") }
  guard args.positional.count == 1 else {
    throw UsageError("plot-classes needs one class log (from --log-classes)")
  }
  let set = try args.choice("--set", default: ClassLogSet.batch)
  try classChart(
    title: args.string("--title") ?? "Per-class mean π(y|x) (\(set.rawValue))",
    table: try CSVLog.read(from: URL(fileURLWithPath: args.positional[0])), set: set
  ).write(to: URL(fileURLWithPath: output))
  print("wrote \(output)")
}
