// Registration only: each file registers its own functions.
#include "common.h"

namespace peft {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  RegisterAllocator(env, exports);
  RegisterTensor(env, exports);
  RegisterCreation(env, exports);
  RegisterOps(env, exports);
  RegisterRuntime(env, exports);
  RegisterModules(env, exports);
  RegisterModels(env, exports);
  RegisterPeft(env, exports);
  RegisterIo(env, exports);
  RegisterRandom(env, exports);
  RegisterOptim(env, exports);
  RegisterTrain(env, exports);
  RegisterDistributed(env, exports);
  exports.Set("addonVersion", Napi::String::New(env, NODE_PEFT_VERSION));
  return exports;
}

NODE_API_MODULE(node_peft, Init)

}  // namespace peft
