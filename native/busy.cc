// The process-wide count of gradient work in flight (see busy.h).
#include "busy.h"

#include <atomic>

namespace peft {
namespace {

// Taken and dropped on JS threads only; atomic because worker_threads are JS threads too.
std::atomic<int> backwards{0};
std::atomic<int> updates{0};

std::string Plural(int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

}  // namespace

Lease HoldGradients(GradientWork kind) {
  std::atomic<int>* counter = kind == GradientWork::kBackward ? &backwards : &updates;
  ++*counter;
  return Lease(static_cast<void*>(counter), [](void* c) { --*static_cast<std::atomic<int>*>(c); });
}

std::string DescribeGradientWork() {
  int b = backwards.load(), u = updates.load();
  std::string out;
  if (b > 0) out = Plural(b, "backward pass", "backward passes");
  if (u > 0) out += (out.empty() ? "" : " and ") + Plural(u, "optimizer update", "optimizer updates");
  return out;
}

int GradientWorkCount() { return backwards.load() + updates.load(); }

void CheckGradientsIdle(const std::string& operation) {
  std::string work = DescribeGradientWork();
  if (work.empty()) return;
  bool one = GradientWorkCount() == 1;
  throw BusyError("gradients are busy: " + work + " in flight (backwardAsync(), a training step or optimizer.stepAsync()); await " +
                  (one ? "it" : "them") + " before " + operation);
}

void CheckNoUpdate(const std::string& operation) {
  int u = updates.load();
  if (u == 0) return;
  throw BusyError("gradients are busy: " + Plural(u, "optimizer update", "optimizer updates") +
                  " in flight (a training step or optimizer.stepAsync()) reads the gradients; await " + (u == 1 ? "it" : "them") +
                  " before " + operation);
}

}  // namespace peft
