// A unit import file as spreadsheets save it, good or bad (node/catalogue.h).
#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "node/catalogue.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fieldsync::node;
  static std::unique_ptr<Node> node = [] {
    char dir[] = "/tmp/fieldsync-fuzz-XXXXXX";
    if (!mkdtemp(dir)) std::abort();
    auto n = Node::init(std::string(dir) + "/csv.db", "ACME");
    if (!n || !Catalogue(**n).addItem({"PUMP", "Pump", true, 365, 0})) std::abort();
    return std::move(n).value();
  }();
  std::istringstream csv(std::string(reinterpret_cast<const char*>(data), size));
  const char delimiters[] = {0, ',', ';', '\t'};
  (void)Catalogue(*node).importUnits(csv, {true, delimiters[size % 4]});  // a dry run: the node stays small
  return 0;
}
