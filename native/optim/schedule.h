// Learning-rate schedules as transformers' get_scheduler builds them (optimization.py): a
// torch.optim.lr_scheduler.LambdaLR whose factor is one of transformers' lr_lambda functions.
// The factor is computed in double precision, as Python does, and multiplied by each group's
// initial learning rate.
#pragma once

#include <string>
#include <vector>

#include "optimizer.h"

namespace peft {

struct ScheduleSpec {
  // linear, cosine, cosine_with_restarts, polynomial, constant, constant_with_warmup, inverse_sqrt
  std::string type = "linear";
  int64_t warmup_steps = 0;
  int64_t training_steps = 0;
  double num_cycles = -1;  // < 0: the schedule's default (0.5 for cosine, 1 for cosine_with_restarts)
  double power = 1.0;      // polynomial
  double lr_end = 1e-7;    // polynomial
  double lr_init = 0;      // polynomial: the optimizer's default lr (optimizer.defaults["lr"])
  int64_t timescale = 0;   // inverse_sqrt: 0 means num_warmup_steps or 10,000, as transformers
};

// The multiplier of the initial learning rate at `step` (LambdaLR's lr_lambda(last_epoch)).
double ScheduleFactor(const ScheduleSpec& spec, int64_t step);
void CheckSchedule(const ScheduleSpec& spec);

class LRScheduler {
 public:
  // As LambdaLR(optimizer, lr_lambda, last_epoch=-1): remembers each group's current lr as its
  // initial lr and takes the first step (step 0), so the lr is set right away.
  LRScheduler(OptimizerPtr optimizer, ScheduleSpec spec);
  void Step();
  // Restores a saved position (load_state_dict): base lrs and the last step.
  void Load(std::vector<double> base_lrs, int64_t last_epoch);
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  std::vector<double> LastLr() const;
  const ScheduleSpec& spec() const { return spec_; }

 private:
  void Apply();
  OptimizerPtr optimizer_;
  ScheduleSpec spec_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
};

using SchedulerPtr = std::shared_ptr<LRScheduler>;

}  // namespace peft
