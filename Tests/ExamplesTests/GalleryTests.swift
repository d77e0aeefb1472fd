import ActorCritic
import Foundation
import NN
import Testing
import TimeSequence
import VAEExample
import WGANGP
import WordLanguageModel

/// Smoke tests of the gallery: each example runs a few steps through its public entry point
/// and its loss falls (or its reward rises).
@Suite("Gallery smoke tests")
struct GalleryTests {
  @Test("actor-critic: the reward rises over 60 episodes")
  func actorCritic() throws {
    var o = ActorCritic.Options()
    o.episodes = 60
    // Its own default generator: other suites draw from the process-wide one concurrently.
    let result = try Generator.withDefault(Generator(seed: 0)) { try ActorCritic.train(o) { _ in } }
    let rewards = result.episodes.map(\.reward)
    let first = rewards.prefix(10).reduce(0, +) / 10
    let last = rewards.suffix(10).reduce(0, +) / 10
    #expect(last > first, "first 10 episodes \(first), last 10 \(last)")
  }

  @Test("wgan-gp: samples move towards the modes")
  func wganGP() throws {
    var o = WGANGP.Options()
    o.steps = 100
    o.hidden = 64
    o.logEvery = 20
    let rows = try Generator.withDefault(Generator(seed: 0)) { try WGANGP.train(o) { _ in } }
    #expect(rows.count == 5)
    #expect(rows.last!.meanDistance < rows.first!.meanDistance, "\(rows.map(\.meanDistance))")
  }

  @Test(
    "vae: the training loss falls from the first epoch to the second, and the grids are written")
  func vae() throws {
    let results = FileManager.default.temporaryDirectory.appendingPathComponent(
      "vae-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: results) }
    var o = VAEExample.Options()
    o.epochs = 2
    o.maxBatches = 20
    o.resultsDirectory = results.path
    let rows = try Generator.withDefault(Generator(seed: 0)) { try VAEExample.train(o) { _ in } }
    #expect(rows[1].trainLoss < rows[0].trainLoss)
    let png = try Data(contentsOf: results.appendingPathComponent("sample_2.png"))
    #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
  }

  @Test("time-sequence: LBFGS on the two-cell model lowers the loss (4 short waves)")
  func timeSequence() {
    Generator.withDefault(Generator(seed: 0)) { timeSequenceBody() }
  }

  func timeSequenceBody() {
    manualSeed(0)
    let data = sineWaves(count: 4, length: 40)
    let input = data.slice(dim: 1, start: 0, end: 39)
    let target = data.slice(dim: 1, start: 1)
    let model = SequenceModel().double()
    let optimizer = LBFGS(model.parameters(), learningRate: 0.8, maxIterations: 5)
    let before = noGrad { mseLoss(model(input), target) }.item()
    for _ in 0..<2 {
      optimizer.step {
        optimizer.zeroGrad()
        let loss = mseLoss(model(input), target)
        loss.backward()
        return loss
      }
    }
    let after = noGrad { mseLoss(model(input), target) }.item()
    #expect(after < before / 2, "loss \(before) → \(after)")
    #expect(model.predict(input, future: 5).shape == [4, 44])
  }
}

@Suite("Gallery smoke tests: word-language-model")
struct WordLanguageModelTests {
  @Test(
    "each model type trains a few batches (valid loss falls), saves, and generates text",
    arguments: [ModelType.lstm, .gru, .transformer])
  func trainsAndGenerates(_ type: ModelType) throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
      "wlm-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    var o = WordLanguageModel.Options()
    o.data =
      URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Data/KJV").path
    o.model = type
    (o.emsize, o.nhid, o.nlayers, o.bptt, o.epochs, o.maxBatches) = (16, 16, 1, 10, 2, 25)
    o.lr = type == .lstm ? 20 : (type == .gru ? 5 : 1)
    o.tied = type == .gru
    o.save = directory.appendingPathComponent("model.safetensors").path
    let result = try Generator.withDefault(Generator(seed: 0)) {
      try WordLanguageModel.train(o) { _ in }
    }
    #expect(
      result.epochs[1].validLoss < result.epochs[0].validLoss, "\(result.epochs.map(\.validLoss))")
    #expect(result.testLoss.isFinite)
    var g = try GenerateOptions(arguments: [
      "--checkpoint", o.save, "--words", "12", "--outf",
      directory.appendingPathComponent("g.txt").path,
    ])
    g.data = o.data
    let text = try Generator.withDefault(Generator(seed: 0)) { try generate(g) { _ in } }
    #expect(text.split(separator: " ").count >= 11)
  }
}
