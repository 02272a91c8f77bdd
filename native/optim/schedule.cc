// transformers 4.29's lr_lambda functions (optimization.py), line for line.
#include "schedule.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>

namespace peft {
namespace {

constexpr double kPi = 3.14159265358979323846;

double Warmup(int64_t step, int64_t warmup) {
  return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup));
}

double Progress(const ScheduleSpec& s, int64_t step) {
  return static_cast<double>(step - s.warmup_steps) / static_cast<double>(std::max<int64_t>(1, s.training_steps - s.warmup_steps));
}

double Polynomial(const ScheduleSpec& s, int64_t step) {
  if (step > s.training_steps) return s.lr_end / s.lr_init;
  double lr_range = s.lr_init - s.lr_end;
  double decay_steps = static_cast<double>(s.training_steps - s.warmup_steps);
  double pct_remaining = 1 - static_cast<double>(step - s.warmup_steps) / decay_steps;
  return (lr_range * std::pow(pct_remaining, s.power) + s.lr_end) / s.lr_init;
}

double InverseSqrt(const ScheduleSpec& s, int64_t step) {
  double timescale = static_cast<double>(s.timescale > 0 ? s.timescale : (s.warmup_steps > 0 ? s.warmup_steps : 10000));
  double shift = timescale - static_cast<double>(s.warmup_steps);
  return 1.0 / std::sqrt((static_cast<double>(step) + shift) / timescale);
}

}  // namespace

void CheckSchedule(const ScheduleSpec& s) {
  static const char* kTypes[] = {"linear", "cosine", "cosine_with_restarts", "polynomial", "constant", "constant_with_warmup", "inverse_sqrt"};
  TORCH_CHECK(std::find(std::begin(kTypes), std::end(kTypes), s.type) != std::end(kTypes), "unknown lr scheduler type '", s.type, "'");
  if (s.type == "polynomial")
    TORCH_CHECK(s.lr_init > s.lr_end, "lr_end (", s.lr_end, ") must be smaller than initial lr (", s.lr_init, ")");
}

double ScheduleFactor(const ScheduleSpec& s, int64_t step) {
  if (s.type == "constant") return 1.0;
  if (step < s.warmup_steps) {
    // constant_with_warmup divides by max(1.0, warmup) — the same value.
    return Warmup(step, s.warmup_steps);
  }
  if (s.type == "constant_with_warmup") return 1.0;
  if (s.type == "linear")
    return std::max(0.0, static_cast<double>(s.training_steps - step) / static_cast<double>(std::max<int64_t>(1, s.training_steps - s.warmup_steps)));
  if (s.type == "cosine") {
    double cycles = s.num_cycles < 0 ? 0.5 : s.num_cycles;
    return std::max(0.0, 0.5 * (1.0 + std::cos(kPi * cycles * 2.0 * Progress(s, step))));
  }
  if (s.type == "cosine_with_restarts") {
    double cycles = s.num_cycles < 0 ? 1.0 : s.num_cycles;
    double progress = Progress(s, step);
    if (progress >= 1.0) return 0.0;
    // Python's % on floats takes the sign of the divisor: for a positive divisor, fmod of a
    // non-negative value is the same.
    return std::max(0.0, 0.5 * (1.0 + std::cos(kPi * std::fmod(cycles * progress, 1.0))));
  }
  if (s.type == "polynomial") return Polynomial(s, step);
  if (s.type == "inverse_sqrt") return InverseSqrt(s, step);
  TORCH_CHECK(false, "unknown lr scheduler type '", s.type, "'");
}

LRScheduler::LRScheduler(OptimizerPtr optimizer, ScheduleSpec spec) : optimizer_(std::move(optimizer)), spec_(std::move(spec)) {
  CheckSchedule(spec_);
  for (const auto& g : optimizer_->groups()) base_lrs_.push_back(g.lr);
  Step();
}

void LRScheduler::Step() {
  ++last_epoch_;
  Apply();
}

void LRScheduler::Load(std::vector<double> base_lrs, int64_t last_epoch) {
  TORCH_CHECK(base_lrs.size() == optimizer_->groups().size(), "scheduler state has ", base_lrs.size(),
              " base learning rates for ", optimizer_->groups().size(), " parameter groups");
  base_lrs_ = std::move(base_lrs);
  last_epoch_ = last_epoch;
  Apply();
}

void LRScheduler::Apply() {
  double factor = ScheduleFactor(spec_, last_epoch_);
  auto& groups = optimizer_->groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].lr = base_lrs_[i] * factor;
}

std::vector<double> LRScheduler::LastLr() const {
  std::vector<double> out;
  for (const auto& g : optimizer_->groups()) out.push_back(g.lr);
  return out;
}

}  // namespace peft
