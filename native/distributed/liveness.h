// A beacon per rank: a thread adds 1 to "node_peft/alive/<rank>" in the rendezvous store every
// second. Collectives themselves cannot say who is missing (Gloo reports a closed socket or a
// timeout, torch.distributed names no rank either), but counters that stopped moving can.
#pragma once

#include <torch/csrc/distributed/c10d/Store.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

namespace peft {

class Liveness {
 public:
  Liveness(c10::intrusive_ptr<c10d::Store> store, int rank, int size, std::chrono::milliseconds interval);
  ~Liveness();

  // Which ranks stopped answering: watches the counters for a few intervals. Returns "" when
  // every rank's beacon still moves, or a sentence such as "rank 1 stopped answering".
  std::string Diagnose(const std::string& store_address);

 private:
  void Run();
  std::string Key(int rank) const { return "node_peft/alive/" + std::to_string(rank); }

  c10::intrusive_ptr<c10d::Store> store_;
  int rank_, size_;
  std::chrono::milliseconds interval_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace peft
