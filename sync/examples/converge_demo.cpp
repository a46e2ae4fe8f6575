// Two replicas work offline on the same registered unit, then exchange their
// ops as encoded batches and end in the same state. A stand-in for the real
// main job until the server exists; it uses only the public sync API.
#include <cstdio>
#include <string>

#include "sync/codec.h"
#include "sync/replica.h"

using namespace fieldsync::sync;

namespace {

constexpr FieldId kBuildCode = 2, kSite = 3;

struct Device {
  const char* name;
  Id node = randomId();
  std::uint64_t seq = 0;
  std::uint64_t wall_ms;
  Hlc hlc{[this] { return wall_ms; }};
  Replica replica;

  Device(const char* n, std::uint64_t wall) : name(n), wall_ms(wall) {}

  void write(const Id& unit, FieldId field, std::string value) {
    Op op{{node, ++seq}, hlc.now(), EntityType::unit, unit, FactKind::none, {{field, std::move(value)}}};
    replica.apply(op);
  }
  void fact(const Id& location, std::int64_t qty) {
    Op op{{node, ++seq}, hlc.now(), EntityType::location, location, FactKind::stock_move, {{2, qty}}};
    replica.apply(op);
  }
  std::string text(const Id& unit, FieldId field) const {
    const Register* r = replica.get(EntityType::unit, unit, field);
    return r ? std::get<std::string>(r->value) : "-";
  }
  void show(const Id& unit) const {
    std::printf("  %-10s build=%-8s site=%-16s ops=%zu digest=%.16s\n", name, text(unit, kBuildCode).c_str(),
                text(unit, kSite).c_str(), replica.opCount(), replica.digest().c_str());
  }
};

std::size_t sendAll(const Device& from, Device& to) {
  std::vector<Op> ops;
  for (const auto& [id, op] : from.replica.ops()) ops.push_back(op);
  const std::string wire = encodeBatch(ops);
  auto decoded = decodeBatch(wire);
  if (!decoded) {
    std::fprintf(stderr, "decode failed: %s\n", decoded.error().message.c_str());
    std::exit(1);
  }
  for (const Op& op : *decoded) {
    to.hlc.receive(op.hlc);
    to.replica.apply(op);
  }
  return wire.size();
}

}  // namespace

int main() {
  const Id company = randomId(), item = randomId(), van = randomId();
  const Id unit = unitId(company, item, " sn-1001 ");  // both sides derive the same id
  Device tablet("tablet", 1'700'000'000'000), office("office", 1'700'000'000'500);

  std::printf("Offline, each device edits unit SN-1001 (id %s):\n", unit.hex().c_str());
  tablet.write(unit, kSite, "ACME Plant 2");
  tablet.fact(van, -1);  // a part used from the van
  office.write(unit, kBuildCode, "B-7");
  office.write(unit, kSite, "ACME HQ");  // made 500 ms later: the greater HLC wins
  tablet.show(unit);
  office.show(unit);

  const std::size_t a = sendAll(tablet, office), b = sendAll(office, tablet);
  std::printf("Exchanged %zu + %zu bytes of encoded ops. After sync:\n", a, b);
  tablet.show(unit);
  office.show(unit);
  const bool same = tablet.replica.digest() == office.replica.digest();
  std::printf("%s\n", same ? "Converged: identical digests." : "NOT converged");
  return same ? 0 : 1;
}
