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
