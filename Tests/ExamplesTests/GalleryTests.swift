import ActorCritic
import Foundation
import NN
import Testing
import TimeSequence
import VAEExample
import WGANGP

/// Smoke tests of the gallery: each example runs a few steps through its public entry point
/// and its loss falls (or its reward rises).
@Suite("Gallery smoke tests")
struct GalleryTests {
  @Test("actor-critic: the reward rises over 60 episodes")
  func actorCritic() throws {
    var o = ActorCritic.Options()
    o.episodes = 60
    let result = try ActorCritic.train(o) { _ in }
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
    let rows = try WGANGP.train(o) { _ in }
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
    let rows = try VAEExample.train(o) { _ in }
    #expect(rows[1].trainLoss < rows[0].trainLoss)
    let png = try Data(contentsOf: results.appendingPathComponent("sample_2.png"))
    #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
  }

  @Test("time-sequence: LBFGS on the two-cell model lowers the loss (4 short waves)")
  func timeSequence() {
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
