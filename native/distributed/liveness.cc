// The liveness beacon (liveness.h). TCPStore serialises its client's requests (one socket, one
// operation at a time), so the beacon may share the store with the rest of the group.
#include "liveness.h"

#include <vector>

namespace peft {

Liveness::Liveness(c10::intrusive_ptr<c10d::Store> store, int rank, int size, std::chrono::milliseconds interval)
    : store_(std::move(store)), rank_(rank), size_(size), interval_(interval) {
  store_->add(Key(rank_), 1);
  thread_ = std::thread([this] { Run(); });
}

Liveness::~Liveness() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Liveness::Run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    try {
      store_->add(Key(rank_), 1);
    } catch (...) {
      return;  // the store (rank 0) is gone: Diagnose will say so
    }
  }
}

std::string Liveness::Diagnose(const std::string& store_address) {
  auto read = [this] {
    std::vector<int64_t> counts;
    for (int r = 0; r < size_; ++r) counts.push_back(store_->add(Key(r), 0));
    return counts;
  };
  std::vector<int64_t> before, after;
  try {
    before = read();
    std::this_thread::sleep_for(interval_ * 3);
    after = read();
  } catch (...) {
    return "rank 0 stopped answering (the rendezvous store it hosts at " + store_address + " is unreachable)";
  }
  std::vector<int> silent;
  for (int r = 0; r < size_; ++r)
    if (r != rank_ && after[r] == before[r]) silent.push_back(r);
  if (silent.empty()) return "";
  std::string who;
  for (size_t i = 0; i < silent.size(); ++i) who += (i == 0 ? "" : i + 1 == silent.size() ? " and " : ", ") + std::to_string(silent[i]);
  bool never = true;
  for (int r : silent) never = never && after[r] == 0;
  return (silent.size() == 1 ? "rank " : "ranks ") + who + " stopped answering" +
         (never ? " (no liveness beacon: not a node-peft process, or it never started one)" : " (its process is gone or frozen)");
}

}  // namespace peft
