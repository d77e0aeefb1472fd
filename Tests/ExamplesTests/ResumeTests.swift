import ExampleSupport
import Foundation
import MNISTReinforce
import NN
import Testing

@Suite("mnist-reinforce training runs", .serialized)
struct ResumeTests {
  static func options(steps: Int) -> Options {
    var o = Options()
    o.model = .mlp
    o.batchSize = 16
    o.steps = steps
    o.seed = 7
    return o
  }

  /// Runs 400 steps straight and 200 + 200 with a checkpoint between; returns a description of
  /// the first difference, or nil when the parameters agree bit for bit.
  static func resumeDifference() throws -> String? {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let checkpoint = dir.appendingPathComponent("run.safetensors").path

    var progress = ProgressLine(total: 400)
    let straight = try runExperiment(options(steps: 400), progress: &progress)
    var first = options(steps: 200)
    first.savePath = checkpoint
    _ = try runExperiment(first, progress: &progress)
    var second = options(steps: 400)
    second.resumePath = checkpoint
    let resumed = try runExperiment(second, progress: &progress)

    let a = straight.policy.namedParameters()
    let b = resumed.policy.namedParameters()
    guard a.map(\.name) == b.map(\.name) else { return "parameter names differ" }
    for (x, y) in zip(a, b) where x.tensor.scalars != y.tensor.scalars {
      return "\(x.name) differs"
    }
    guard straight.reports.last!.score == resumed.reports.last!.score else { return "scores differ" }
    // And the run learned something: the MLP beats chance clearly within 400 steps.
    guard straight.testAccuracies.last!.accuracy > 0.5 else {
      return "test accuracy \(straight.testAccuracies.last!.accuracy) after 400 steps"
    }
    return nil
  }

  @Test("200 steps, save, resume for 200 more: bit-for-bit the parameters of 400 steps in one go")
  func resumeIsExact() async {
    // In its own process: the default generator is process-wide, as in PyTorch, so tests
    // running in parallel in this process would draw from it in between.
    let result = await #expect(processExitsWith: .success, observing: [\.standardErrorContent]) {
      do {
        if let difference = try ResumeTests.resumeDifference() {
          FileHandle.standardError.write(Data("resume mismatch: \(difference)\n".utf8))
          exit(1)
        }
      } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
      }
    }
    let stderr = String(decoding: result?.standardErrorContent ?? [], as: UTF8.self)
    #expect(stderr.isEmpty, "\(stderr)")
  }

  @Test("a resume with different settings is refused with a message")
  func resumeMismatch() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("resume-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var first = Self.options(steps: 2)
    first.savePath = dir.appendingPathComponent("run.safetensors").path
    var progress = ProgressLine(total: 2)
    _ = try runExperiment(first, progress: &progress)
    var second = Self.options(steps: 4)
    second.resumePath = first.savePath
    second.baseline = .mean
    #expect {
      _ = try runExperiment(second, progress: &progress)
    } throws: { error in
      "\(error)".contains("--baseline")
    }
  }

  @Test("the CSV log and the SVG plot are written")
  func logAndPlot() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("log-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var o = Self.options(steps: 40)
    o.logPath = dir.appendingPathComponent("run.csv").path
    o.plotPath = dir.appendingPathComponent("run.svg").path
    o.evalEvery = 20
    var progress = ProgressLine(total: 40)
    let result = try runExperiment(o, progress: &progress)
    #expect(result.reports.map(\.step) == [20, 40])
    let (header, rows) = try CSVLog.read(from: URL(fileURLWithPath: o.logPath!))
    #expect(header == ["step", "score", "loss", "test_accuracy", "elapsed_seconds"])
    #expect(rows.count == 2 && rows[1][0] == "40" && !rows[1][3].isEmpty)
    let svg = try String(contentsOfFile: o.plotPath!, encoding: .utf8)
    #expect(svg.contains("<svg") && svg.contains("run: train score"))
  }
}
