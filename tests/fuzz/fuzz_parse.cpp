// Every parser of what people type: times, quantities, durations, text
// fields, codes (node/model.h, cli/program.h, sync/id.h).
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "cli/program.h"
#include "node/model.h"
#include "sync/id.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fieldsync;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto t = node::parseTime(in, "--at")) {
    if (node::parseTime(node::formatTime(*t), "--at").value() != *t / 1000 * 1000) std::abort();  // prints back
  }
  if (auto q = node::parseQty(in, "--qty")) {
    if (node::parseQty(node::formatQty(*q), "--qty").value() != *q) std::abort();
  }
  (void)cli::parseDuration(in, "--expires");
  (void)node::fieldText("--customer", in, node::kMaxNameBytes, "required");
  if (auto code = node::fieldCode("CODE", in)) {
    if (sync::normaliseSerial(*code) != *code) std::abort();  // normalising is idempotent
  }
  (void)sync::normaliseText(in);
  return 0;
}
