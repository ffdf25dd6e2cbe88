export { VirtualClock } from "./clock.js";
export { runTest, type TestContext, type RunTestOptions } from "./run-test.js";
export { Steps, seededRandom } from "./steps.js";
export { expectNoLeaks, LeakError } from "./leaks.js";
