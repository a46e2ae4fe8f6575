// Enrollment strings and server addresses as people paste them (sync/ticket.h).
#include <cstdint>
#include <string_view>

#include "sync/ticket.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fieldsync::sync;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  if (auto t = decodeTicket(in)) (void)decodeTicket(encodeTicket(*t));
  (void)parseAddress(in, size % 2);
  return 0;
}
