import ExampleSupport
import Foundation
import MNISTReinforce
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

@Suite("mnist-reinforce command line")
struct CommandLineTests {
  @Test("defaults reproduce the original: CNN, Adam 1e-3, batch 128, REINFORCE, no baseline")
  func defaults() throws {
    let o = try Options(arguments: [])
    #expect(o.model == .cnn && o.batchSize == 128 && o.learningRate == 1e-3)
    #expect(o.objective == .reinforce && o.baseline == Baseline.none && !o.fixedBatch)
    #expect(o.reportEvery == 20)
  }

  @Test("every flag parses")
  func allFlags() throws {
    let o = try Options(arguments: [
      "--steps", "40", "--batch-size=64", "--lr", "0.01", "--seed", "3", "--model", "mlp",
      "--objective", "cross-entropy", "--baseline", "mean", "--fixed-batch", "--eval-every", "10",
      "--data-dir", "/d", "--log", "a.csv", "--plot", "a.svg", "--save", "c.safetensors",
      "--save-every", "5", "--resume", "r.safetensors", "--threads", "1",
    ])
    #expect(o.steps == 40 && o.batchSize == 64 && o.learningRate == 0.01 && o.seed == 3)
    #expect(o.model == .mlp && o.objective == .crossEntropy && o.baseline == .mean && o.fixedBatch)
    #expect(o.evalEvery == 10 && o.dataDirectory == "/d" && o.logPath == "a.csv" && o.plotPath == "a.svg")
    #expect(o.savePath == "c.safetensors" && o.saveEvery == 5 && o.resumePath == "r.safetensors")
    #expect(o.threads == 1)
  }

  @Test(
    "bad flags name the problem",
    arguments: [
      (["--bogus"], "unknown option --bogus"),
      (["--steps"], "option --steps needs a value"),
      (["--steps", "0"], "--steps must be an integer in 1..."),
      (["--steps", "ten"], "got 'ten'"),
      (["--lr", "-1"], "--lr must be a number"),
      (["--model", "rnn"], "--model must be one of cnn, mlp"),
      (["--fixed-batch=yes"], "option --fixed-batch takes no value"),
      (["--save-every", "5"], "--save-every needs --save"),
      (["extra"], "unexpected argument 'extra'"),
    ])
  func badFlags(_ arguments: [String], _ message: String) {
    #expect {
      _ = try Options(arguments: arguments)
    } throws: { error in
      (error as? UsageError)?.message.contains(message) == true
    }
  }

  @Test("a usage error prints one line, then the usage, and exits with status 2")
  func usageExit() async {
    let result = await #expect(processExitsWith: .exitCode(2), observing: [\.standardErrorContent]) {
      runCommandLine(usage: Options.usage) { _ = try Options(arguments: ["--steps", "-5"]) }
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.hasPrefix("error: --steps must be an integer"))
    #expect(stderr.contains("usage: mnist-reinforce"))
  }

  @Test("a bad data directory gives one readable line and exit status 1")
  func badDataDirectory() async {
    let result = await #expect(processExitsWith: .exitCode(1), observing: [\.standardErrorContent]) {
      runCommandLine(usage: Options.usage) {
        var o = Options()
        o.dataDirectory = "/nonexistent/mnist"
        var progress = ProgressLine(total: 1)
        _ = try runExperiment(o, progress: &progress)
      }
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.hasPrefix("error: "))
    #expect(stderr.contains("/nonexistent/mnist"))
    #expect(stderr.split(separator: "\n").count == 1)
  }

  @Test("a bad resume file gives one readable line and exit status 1")
  func badResumeFile() async {
    let result = await #expect(processExitsWith: .exitCode(1), observing: [\.standardErrorContent]) {
      runCommandLine(usage: Options.usage) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("garbage.safetensors")
        try Data("not a checkpoint".utf8).write(to: path)
        var o = Options()
        o.model = .mlp
        o.resumePath = path.path
        var progress = ProgressLine(total: 1)
        _ = try runExperiment(o, progress: &progress)
      }
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.hasPrefix("error: "))
    #expect(stderr.contains("garbage.safetensors"))
    #expect(stderr.split(separator: "\n").count == 1)
  }
}

@Suite("SVG charts")
struct ChartTests {
  @Test("a chart has axes, tick labels, a title and a legend, and is well-formed XML")
  func chart() throws {
    let chart = SVGChart(
      title: "Score <test>", xLabel: "step", yLabel: "score",
      series: [
        .init(name: "seed 0", points: [(20, 0.3), (40, 0.5), (60, 0.7)]),
        .init(name: "seed 1", points: [(20, 0.2), (40, 0.6), (60, 0.65)]),
      ], yRange: 0...1)
    let svg = chart.svg
    #expect(svg.contains("Score &lt;test&gt;"))
    #expect(svg.contains(">seed 0<") && svg.contains(">seed 1<"))
    #expect(svg.contains(">0.2<") && svg.contains(">1<") && svg.contains(">40<"))
    #expect(svg.components(separatedBy: "<polyline").count == 3)
    _ = try XMLDocument(data: Data(svg.utf8))
  }
}
