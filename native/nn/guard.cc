// A model's concurrency contract (see guard.h).
#include "guard.h"

namespace peft {
namespace {

std::string Plural(int n, const char* one, const char* many) { return std::to_string(n) + " " + (n == 1 ? one : many); }

}  // namespace

std::string ModelGuard::InFlight() const {
  static const char* const kOne[] = {"forward call", "generate() call", "generation step", "training step", "training step updating the weights"};
  static const char* const kMany[] = {"forward calls", "generate() calls", "generation steps", "training steps", "training steps updating the weights"};
  std::string out;
  for (int k = 0; k < static_cast<int>(ModelWork::kCount); ++k) {
    // The step of a generate() in flight is part of it, not more work to await.
    if (counts_[k] == 0 || (k == static_cast<int>(ModelWork::kGenerationStep) && Count(ModelWork::kGenerate) > 0)) continue;
    out += (out.empty() ? "" : ", ") + Plural(counts_[k], kOne[k], kMany[k]);
  }
  return out;
}

bool ModelGuard::IsIdle() const {
  for (int c : counts_)
    if (c > 0) return false;
  return GradientWorkCount() == 0;
}

void ModelGuard::CheckIdle(const std::string& operation) const {
  std::string work = InFlight();
  int n = 0;
  for (int c : counts_) n += c;
  if (Count(ModelWork::kGenerate) > 0) n -= Count(ModelWork::kGenerationStep);
  if (work.empty()) {
    work = DescribeGradientWork();
    n = GradientWorkCount();
  }
  if (n == 0) return;
  bool one = n == 1;
  throw BusyError("model is busy: " + work + " in flight; await " + (one ? "it" : "them") + " before " + operation);
}

void ModelGuard::CheckReadable(const std::string& operation) const {
  if (Count(ModelWork::kUpdate) == 0) return;
  throw BusyError("model is busy: a training step is updating its weights; await it before " + operation);
}

Lease ModelGuard::Hold(ModelWork kind, const std::string& operation) {
  if (kind == ModelWork::kUpdate) CheckIdle(operation);
  else CheckReadable(operation);
  int& count = counts_[static_cast<int>(kind)];
  ++count;
  // The lease keeps the guard alive: the model may be unreachable from JS before the work settles.
  std::shared_ptr<ModelGuard> self = shared_from_this();
  return Lease(static_cast<void*>(&count), [self](void* c) { --*static_cast<int*>(c); });
}

Lease HoldForTrainingStep(ModelGuard& guard, bool updates) {
  const char* operation = updates ? "a training step that updates the weights" : "a training step";
  if (!updates) CheckNoUpdate(operation);  // an update in flight reads the gradients this step writes
  Lease model = guard.Hold(updates ? ModelWork::kUpdate : ModelWork::kTrainStep, operation);
  Lease gradients = HoldGradients(GradientWork::kBackward);
  if (updates) gradients = Both(gradients, HoldGradients(GradientWork::kUpdate));
  return Both(model, gradients);
}

}  // namespace peft
