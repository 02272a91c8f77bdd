// Refusing work that would race with async work in flight. Async calls take a Lease when they are
// queued (on the JS thread) and PromiseWorker drops it just before it settles their promise (on
// the JS thread again), so a count of leases is exactly the work JS has not yet seen finish.
// Conflicting calls fail at once with a BusyError (JS: BusyError, a TorchError) instead of waiting:
// the JS thread cannot block on a worker without stopping the event loop that delivers its result.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>

namespace peft {

// Dropped when the async work it was taken for has settled (see PromiseWorker::Start).
using Lease = std::shared_ptr<void>;

// "model is busy: ...", "gradients are busy: ...": becomes the JS BusyError class.
class BusyError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// ---- gradients: one process-wide count of the async work that writes or reads .grad ----
// A backward pass (backwardAsync(), or the one inside a training step) writes every leaf's .grad
// from a worker; an optimizer update (optimizer.stepAsync(), a training step's update) reads the
// gradients and writes the parameters. Per graph would be finer, but a tensor cannot tell which
// in-flight graphs reach it; the process-wide count is exact for the usual one-model program.
enum class GradientWork { kBackward, kUpdate };
Lease HoldGradients(GradientWork kind);
// Throws BusyError while any backward pass or update is in flight: `operation` would race with it.
void CheckGradientsIdle(const std::string& operation);
// Throws BusyError while an update is in flight (a backward pass may run next to other backward
// passes: autograd accumulates into each .grad under a lock).
void CheckNoUpdate(const std::string& operation);
// "1 backward pass and 1 optimizer update", or "" when none is in flight; and how many.
std::string DescribeGradientWork();
int GradientWorkCount();

// Both leases, dropped together.
inline Lease Both(Lease a, Lease b) { return std::make_shared<std::pair<Lease, Lease>>(std::move(a), std::move(b)); }

}  // namespace peft
