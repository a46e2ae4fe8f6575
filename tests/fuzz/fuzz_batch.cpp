// A pushed or pulled batch all the way through: decode, apply to a node,
// and reconcile as the server does (sync/codec.h, node/reconcile.h).
#include <cstdint>
#include <cstdlib>
#include <string>

#include "node/node.h"
#include "node/reconcile.h"
#include "sync/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fieldsync;
  static std::unique_ptr<node::Node> replica = [] {
    char dir[] = "/tmp/fieldsync-fuzz-XXXXXX";
    if (!mkdtemp(dir)) std::abort();
    auto n = node::Node::init(std::string(dir) + "/replica.db", "ACME");
    if (!n) std::abort();
    return std::move(n).value();
  }();
  auto ops = sync::decodeBatch(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!ops) return 0;
  if (replica->applyRemote(*ops)) (void)node::Reconciler(*replica).reconcile(*ops);
  return 0;
}
