import ActorCritic
import ExampleSupport
import Foundation
import NN
import Testing
import TimeSequence
import VAEExample
import WGANGP
import WordLanguageModel

/// Bad command lines and bad files for the gallery: each is a thrown error naming the problem
/// (the CLI prints it on one line and exits 2, or 1 for a file), never a crash.
@Suite("Gallery command lines and files: bad input")
struct GalleryCommandLineTests {
  /// `parse` must throw a UsageError whose message contains `fragment`.
  func expectUsageError(
    _ fragment: String, _ parse: () throws -> Void,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    do {
      try parse()
      Issue.record(
        "no error for a bad command line (expected '\(fragment)')", sourceLocation: sourceLocation)
    } catch let error as UsageError {
      #expect(error.message.contains(fragment), "\(error.message)", sourceLocation: sourceLocation)
    } catch {
      Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
    }
  }

  @Test("unknown flags, missing values, out-of-range numbers and unknown choices")
  func badFlags() {
    expectUsageError("unknown option --bogus") {
      _ = try ActorCritic.Options(arguments: ["--bogus"])
    }
    expectUsageError("--gamma must be a number in [0.0, 1.0]") {
      _ = try ActorCritic.Options(arguments: ["--gamma", "2"])
    }
    expectUsageError("option --episodes needs a value") {
      _ = try ActorCritic.Options(arguments: ["--episodes"])
    }
    expectUsageError("--steps must be an integer") {
      _ = try WGANGP.Options(arguments: ["--steps", "0"])
    }
    expectUsageError("--hidden must be an integer") {
      _ = try WGANGP.Options(arguments: ["--hidden", "x"])
    }
    expectUsageError("--epochs must be an integer") {
      _ = try VAEExample.Options(arguments: ["--epochs", "-1"])
    }
    expectUsageError("unexpected argument 'extra'") {
      _ = try VAEExample.Options(arguments: ["extra"])
    }
    expectUsageError("--steps must be an integer") {
      _ = try TimeSequence.Options(arguments: ["--steps", "1e9"])
    }
    expectUsageError(
      "--model must be one of RNN_TANH, RNN_RELU, LSTM, GRU, Transformer, got 'lstm'"
    ) {
      _ = try WordLanguageModel.Options(arguments: ["--model", "lstm"])
    }
    expectUsageError("When using the tied flag, nhid must be equal to emsize") {
      _ = try WordLanguageModel.Options(arguments: ["--tied", "--nhid", "100"])
    }
    expectUsageError("--emsize 201 must be a multiple of --nhead 2") {
      _ = try WordLanguageModel.Options(arguments: ["--model", "Transformer", "--emsize", "201"])
    }
    expectUsageError("--temperature must be a number") {
      _ = try GenerateOptions(arguments: ["--temperature", "0"])
    }
    #expect(wantsHelp(["--lr", "1", "-h"]) && !wantsHelp(["--lr", "1"]))
  }

  @Test(
    "a missing corpus and a checkpoint without the model's settings throw errors naming the path")
  func badFiles() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wlm-bad-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var o = WordLanguageModel.Options()
    o.data = directory.path
    #expect {
      _ = try WordLanguageModel.train(o) { _ in }
    } throws: { error in
      "\(error)".contains("train.txt") && "\(error)".contains(directory.path)
    }
    // A safetensors file that is not a word-language-model checkpoint.
    let plain = directory.appendingPathComponent("plain.safetensors")
    try Linear(2, 2).save(to: plain)
    var g = try GenerateOptions(arguments: ["--checkpoint", plain.path])
    g.data = directory.path
    #expect {
      try generate(g) { _ in }
    } throws: { error in
      "\(error)".contains(plain.path) && "\(error)".contains("no word-language-model metadata")
    }
    // A truncated file.
    let truncated = directory.appendingPathComponent("truncated.safetensors")
    try Data(try Data(contentsOf: plain).prefix(20)).write(to: truncated)
    g.checkpoint = truncated.path
    #expect(throws: (any Error).self) { try generate(g) { _ in } }
  }
}
