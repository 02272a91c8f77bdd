// The process group of this process (torch.distributed's default group): the rendezvous store,
// the c10d backend (Gloo for CPU tensors, NCCL for CUDA tensors) and the liveness beacon that
// names the rank that stopped answering when a collective fails.
#pragma once

#include <torch/csrc/api/include/torch/version.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

// libtorch 2.x split ProcessGroup into a dispatching front and per-device Backends; the
// collectives node-peft calls have the same signatures on 1.13's ProcessGroup and 2.x's Backend.
#if TORCH_VERSION_MAJOR >= 2
#include <torch/csrc/distributed/c10d/Backend.hpp>
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#endif
#include <torch/csrc/distributed/c10d/Store.hpp>
#include <torch/csrc/distributed/c10d/Work.hpp>

namespace peft {

#if TORCH_VERSION_MAJOR >= 2
using CommBackend = c10d::Backend;
#else
using CommBackend = c10d::ProcessGroup;
#endif

class Liveness;

// What initProcessGroup was given, normalised by lib/distributed.
struct GroupSpec {
  std::string backend;      // "gloo" | "nccl"
  std::string method;       // "tcp" | "file"
  std::string host;         // tcp: the master's address
  int port = 0;             // tcp: the master's port
  std::string path;         // file: the store's file
  int rank = 0;
  int size = 1;
  std::chrono::milliseconds timeout{1800000};
  // Gloo's transport: the interfaces of GLOO_SOCKET_IFNAME, else a hostname to bind (127.0.0.1
  // when the master is a loopback address), else "" for torch's default (this host's name).
  std::vector<std::string> gloo_interfaces;
  std::string gloo_hostname;
};

struct Group {
  GroupSpec spec;
  c10::intrusive_ptr<c10d::Store> store;          // the TCPStore or FileStore itself
  c10::intrusive_ptr<c10d::Store> default_store;  // PrefixStore("default_pg", store), as torch
  c10::intrusive_ptr<CommBackend> backend;
  std::unique_ptr<Liveness> liveness;
  ~Group();
  int rank() const { return spec.rank; }
  int size() const { return spec.size; }
  // Where the store lives, for messages: "127.0.0.1:29500" or the file's path.
  std::string StoreAddress() const;
};

using GroupPtr = std::shared_ptr<Group>;

// Creates the store, the backend, passes torch's store-based barrier and starts the beacon
// (blocks until every rank joined or the timeout passed; run it on a worker thread).
GroupPtr CreateGroup(const GroupSpec& spec);
// The current group, or an error saying initProcessGroup() comes first.
GroupPtr CurrentGroup();
GroupPtr CurrentGroupOrNull();
void SetCurrentGroup(GroupPtr group);

// Waits for a collective's work; a failure becomes an error that names the collective, this
// rank and, when the beacon can tell, the rank that stopped answering.
void WaitWork(const Group& group, const c10::intrusive_ptr<c10d::Work>& work, const char* what);

}  // namespace peft
