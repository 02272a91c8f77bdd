// Creating and holding the process group as torch.distributed.init_process_group (1.13) does,
// key for key, so that Python ranks can join: a TCPStore (rank 0 serves, multi-tenant) or a
// FileStore, PrefixStore("default_pg"), the group's PrefixStore("0"), the backend, the
// store-based barrier on "store_based_barrier_key:1", and the sequence number from rank 0.
#include "group.h"

#include <c10/util/Exception.h>
#include <torch/csrc/distributed/c10d/FileStore.hpp>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef NODE_PEFT_NCCL
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <mutex>
#include <thread>

#include "liveness.h"

namespace peft {
namespace {

std::mutex current_mutex;
// Never destroyed at exit: a backend's destructor waits for its pending work, which could hang
// a process that exits while a peer is gone. destroyProcessGroup() is the orderly way out.
GroupPtr& current = *new GroupPtr();

c10::intrusive_ptr<c10d::Store> CreateStore(const GroupSpec& s) {
  if (s.method == "file") return c10::make_intrusive<c10d::FileStore>(s.path, s.size);
  c10d::TCPStoreOptions o;
  o.port = static_cast<std::uint16_t>(s.port);
  o.isServer = s.rank == 0;
  o.numWorkers = static_cast<std::size_t>(s.size);
  o.waitWorkers = true;
  o.timeout = s.timeout;
  o.multiTenant = true;  // rendezvous.py's _create_c10d_store
  return c10::make_intrusive<c10d::TCPStore>(s.host, o);
}

#ifdef USE_C10D_GLOO
c10::intrusive_ptr<CommBackend> CreateGloo(const c10::intrusive_ptr<c10d::Store>& store, const GroupSpec& s) {
  auto options = c10d::ProcessGroupGloo::Options::create(s.timeout);
  // torch's Python binding: one device per GLOO_SOCKET_IFNAME interface, else the default one.
  for (const auto& name : s.gloo_interfaces) options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(name));
  if (options->devices.empty()) {
    options->devices.push_back(s.gloo_hostname.empty() ? c10d::ProcessGroupGloo::createDefaultDevice()
                                                        : c10d::ProcessGroupGloo::createDeviceForHostname(s.gloo_hostname));
  }
  options->threads = static_cast<int>(options->devices.size()) * 2;
  return c10::make_intrusive<c10d::ProcessGroupGloo>(store, s.rank, s.size, options);
}
#endif

c10::intrusive_ptr<CommBackend> CreateBackend(const c10::intrusive_ptr<c10d::Store>& store, const GroupSpec& s) {
  if (s.backend == "gloo") {
#ifdef USE_C10D_GLOO
    return CreateGloo(store, s);
#else
    TORCH_CHECK(false, "this node-peft build has no Gloo backend (its libtorch came without Gloo's headers): rebuild with libgloo-dev installed");
#endif
  }
#ifdef NODE_PEFT_NCCL
  // Untested here (no GPU): built against libtorch 2.x with CUDA. NCCL needs CUDA tensors.
  auto options = c10d::ProcessGroupNCCL::Options::create();
  options->timeout = s.timeout;
  return c10::make_intrusive<c10d::ProcessGroupNCCL>(store, s.rank, s.size, options);
#else
  TORCH_CHECK(false, "backend 'nccl' needs a node-peft built against a CUDA libtorch with NCCL; this build has Gloo only (use backend 'gloo' for CPU tensors)");
#endif
}

// torch.distributed's _store_based_barrier: every rank adds 1, then polls until all have.
void StoreBarrier(c10d::Store& store, const GroupSpec& s) {
  const std::string key = "store_based_barrier_key:1";
  store.add(key, 1);
  auto start = std::chrono::steady_clock::now();
  for (int64_t joined = store.add(key, 0); joined < s.size; joined = store.add(key, 0)) {
    if (std::chrono::steady_clock::now() - start > s.timeout)
      TORCH_CHECK(false, "only ", joined, " of ", s.size, " ranks passed the initialisation barrier within ", s.timeout.count() / 1000.0, " s");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Group::~Group() {
  liveness.reset();  // stop the beacon before the store goes
  backend.reset();
  default_store.reset();
  store.reset();
}

std::string Group::StoreAddress() const {
  return spec.method == "file" ? spec.path : spec.host + ":" + std::to_string(spec.port);
}

GroupPtr CreateGroup(const GroupSpec& spec) {
  auto group = std::make_shared<Group>();
  group->spec = spec;
  group->store = CreateStore(spec);
  group->store->setTimeout(spec.timeout);
  group->default_store = c10::make_intrusive<c10d::PrefixStore>("default_pg", group->store);
  auto group_store = c10::make_intrusive<c10d::PrefixStore>("0", group->default_store);
  group->backend = CreateBackend(group_store, spec);
  StoreBarrier(*group->default_store, spec);
  group->backend->setSequenceNumberForGroup();
  group->liveness = std::make_unique<Liveness>(group->default_store, spec.rank, spec.size, std::chrono::milliseconds(1000));
  return group;
}

GroupPtr CurrentGroupOrNull() {
  std::lock_guard<std::mutex> lock(current_mutex);
  return current;
}

GroupPtr CurrentGroup() {
  GroupPtr g = CurrentGroupOrNull();
  TORCH_CHECK(g, "no process group: call initProcessGroup() first (node-peft launch sets its environment)");
  return g;
}

void SetCurrentGroup(GroupPtr group) {
  GroupPtr old;
  {
    std::lock_guard<std::mutex> lock(current_mutex);
    old = std::move(current);
    current = std::move(group);
  }
  old.reset();  // outside the lock: destroying a group joins its threads
}

void WaitWork(const Group& group, const c10::intrusive_ptr<c10d::Work>& work, const char* what) {
  std::string cause;
  try {
    work->wait();  // bounded by the group's timeout (Gloo sets it on every operation)
    return;
  } catch (const c10::Error& e) {
    cause = e.what_without_backtrace();
  } catch (const std::exception& e) {
    cause = e.what();
  }
  cause = cause.substr(0, cause.find('\n'));
  std::string who = group.liveness ? group.liveness->Diagnose(group.StoreAddress()) : "";
  if (who.empty()) who = "every rank's process is alive, so one of them has not reached this collective (all ranks must call the same collectives in the same order)";
  TORCH_CHECK(false, what, " failed on rank ", group.rank(), " of ", group.size(), ": ", who, " [", group.spec.backend, ": ", cause, "]");
}

}  // namespace peft
