import Foundation
import NN

/// The classic cart-pole task (Barto, Sutton & Anderson 1983), with the constants, Euler
/// integration, termination and time limit of Gymnasium's `CartPole-v1`.
///
/// A pole is hinged on a cart that moves along a frictionless track; each step pushes the cart
/// left (action 0) or right (action 1) with a fixed force. The reward is 1 for every step,
/// including the last; an episode terminates when the cart leaves ±2.4 or the pole tilts past
/// 12°, and is truncated after 500 steps.
public struct CartPole {
  /// The physical state: cart position and velocity, pole angle (radians, 0 upright) and
  /// angular velocity.
  public struct State: Equatable, Sendable {
    /// Cart position (m).
    public var x: Double
    /// Cart velocity (m/s).
    public var xDot: Double
    /// Pole angle from vertical (rad).
    public var theta: Double
    /// Pole angular velocity (rad/s).
    public var thetaDot: Double
    /// Creates a state.
    public init(x: Double, xDot: Double, theta: Double, thetaDot: Double) {
      self.x = x
      self.xDot = xDot
      self.theta = theta
      self.thetaDot = thetaDot
    }
    /// The four values in gym's order `[x, ẋ, θ, θ̇]`.
    public var array: [Double] { [x, xDot, theta, thetaDot] }
  }

  /// What a step returns, as gym's `(observation, reward, terminated, truncated)`.
  public struct Step: Sendable {
    /// The state after the step.
    public var state: State
    /// 1 for every step.
    public var reward: Double
    /// The pole fell or the cart left the track.
    public var terminated: Bool
    /// The time limit was reached (as in gym, this can coincide with `terminated`).
    public var truncated: Bool
    /// The episode is over, either way.
    public var done: Bool { terminated || truncated }
  }

  /// Gravity (m/s²).
  public static let gravity = 9.8
  /// Cart mass (kg).
  public static let massCart = 1.0
  /// Pole mass (kg).
  public static let massPole = 0.1
  /// Half the pole's length (m).
  public static let halfLength = 0.5
  /// The push, in newtons.
  public static let forceMagnitude = 10.0
  /// Seconds per step.
  public static let tau = 0.02
  /// |x| beyond this terminates the episode.
  public static let xThreshold = 2.4
  /// |θ| beyond this (12°) terminates the episode.
  public static let thetaThreshold = 12 * 2 * Double.pi / 360
  /// Steps after which an episode is truncated.
  public static let maxSteps = 500

  /// The current state.
  public private(set) var state: State
  /// Steps taken in the current episode.
  public private(set) var steps = 0
  let generator: Generator

  /// Creates the environment; its initial states come from `generator`. Call ``reset()`` to
  /// start an episode.
  public init(generator: Generator) {
    self.generator = generator
    state = State(x: 0, xDot: 0, theta: 0, thetaDot: 0)
  }

  /// Starts an episode: each state variable uniform in [−0.05, 0.05].
  @discardableResult
  public mutating func reset() -> State {
    let s = Tensor.uniform([4], low: -0.05, high: 0.05, dtype: .float64, generator: generator)
      .doubleScalars
    state = State(x: s[0], xDot: s[1], theta: s[2], thetaDot: s[3])
    steps = 0
    return state
  }

  /// Sets the state directly (for tests and analysis).
  public mutating func set(_ state: State, steps: Int = 0) {
    self.state = state
    self.steps = steps
  }

  /// The state one step after `state` under `action` (0 pushes left, 1 right), by the
  /// equations of motion of Florian (2007) as gym implements them, with Euler integration.
  public static func dynamics(_ state: State, action: Int) -> State {
    let force = action == 1 ? forceMagnitude : -forceMagnitude
    let totalMass = massCart + massPole
    let poleMassLength = massPole * halfLength
    let cosTheta = cos(state.theta)
    let sinTheta = sin(state.theta)
    let temp = (force + poleMassLength * state.thetaDot * state.thetaDot * sinTheta) / totalMass
    let thetaAcc =
      (gravity * sinTheta - cosTheta * temp)
      / (halfLength * (4.0 / 3.0 - massPole * cosTheta * cosTheta / totalMass))
    let xAcc = temp - poleMassLength * thetaAcc * cosTheta / totalMass
    return State(
      x: state.x + tau * state.xDot,
      xDot: state.xDot + tau * xAcc,
      theta: state.theta + tau * state.thetaDot,
      thetaDot: state.thetaDot + tau * thetaAcc)
  }

  /// Applies `action` (0 or 1) and returns the new state, the reward and whether the episode
  /// ended.
  public mutating func step(_ action: Int) -> Step {
    precondition(action == 0 || action == 1, "CartPole: action must be 0 or 1, got \(action)")
    state = Self.dynamics(state, action: action)
    steps += 1
    let terminated =
      state.x < -Self.xThreshold || state.x > Self.xThreshold
      || state.theta < -Self.thetaThreshold || state.theta > Self.thetaThreshold
    return Step(state: state, reward: 1, terminated: terminated, truncated: steps >= Self.maxSteps)
  }
}
