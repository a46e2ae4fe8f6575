#include "sync/codec.h"

#include <catch2/catch.hpp>

#include <random>

#include "support/ops.h"

using namespace fieldsync::sync;
using fieldsync::test::integer;
using fieldsync::test::Maker;
using fieldsync::test::text;

namespace {

// Hand-assembled protobuf, for inputs our encoder never produces.
std::string varint(std::uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
  return out;
}
std::string key(std::uint32_t field, std::uint32_t wire) { return varint((field << 3) | wire); }
std::string len(std::uint32_t field, const std::string& body) { return key(field, 2) + varint(body.size()) + body; }
std::string num(std::uint32_t field, std::uint64_t v) { return key(field, 0) + varint(v); }

const std::string kId16(16, '\x01');

// OpBatch{nodes:[id], entities:[id], ops:[BatchOp{...op_body}]}
std::string batchWith(const std::string& op_body) { return len(1, kId16) + len(2, kId16) + len(3, op_body); }
const std::string kGoodField = len(7, num(1, 2) + num(2, 10));  // field 2 = integer 5 (zigzag 10)

std::vector<Op> sampleOps() {
  Maker a, b;
  const Id unit = randomId(), loc = randomId();
  return {
      a.write(unit, makeHlc(1000, 0), {text(2, "BUILD-7"), integer(3, -42)}),
      b.write(unit, makeHlc(999, 3), {Field{4, Blob{std::string("\0\xff", 2)}}, Field{5, true}, Field{6, {}}}),
      a.fact(loc, makeHlc(1000, 1), FactKind::stock_move, {integer(2, 5000), text(3, "ÅÄÖ ok")}),
      a.fact(loc, makeHlc(1003, 0), FactKind::tracking, {}),
      b.write(loc, makeHlc(5, 0), {Field{kDeletedField, true}}, EntityType::location),
  };
}

}  // namespace

TEST_CASE("an op round-trips through its stored form", "[sync][codec]") {
  for (const Op& op : sampleOps()) {
    auto back = decodeOp(encodeOp(op));
    REQUIRE(back);
    CHECK(*back == op);
  }
}

TEST_CASE("a batch round-trips with gaps, decreasing clocks and interleaved nodes", "[sync][codec]") {
  std::vector<Op> ops = sampleOps();
  ops[3].id.seq += 100;  // a gap in a node's sequence
  auto back = decodeBatch(encodeBatch(ops));
  REQUIRE(back);
  CHECK(*back == ops);
  auto empty = decodeBatch(encodeBatch({}));
  REQUIRE(empty);
  CHECK(empty->empty());
}

TEST_CASE("a batch of one-field writes costs at most 32 bytes per op", "[sync][codec]") {
  Maker m;
  std::vector<Id> records(100);
  for (Id& r : records) r = randomId();
  std::mt19937_64 rng(7);
  std::vector<Op> ops;
  std::uint64_t ms = 1'700'000'000'000;
  for (int i = 0; i < 1000; ++i) {
    ms += rng() % 3;
    ops.push_back(m.write(records[rng() % records.size()], makeHlc(ms, static_cast<std::uint16_t>(i % 4)),
                          {integer(static_cast<FieldId>(2 + rng() % 10), static_cast<std::int64_t>(rng() % 100000))},
                          EntityType::item));
  }
  const std::string bytes = encodeBatch(ops);
  INFO("bytes per op: " << static_cast<double>(bytes.size()) / static_cast<double>(ops.size()));
  CHECK(bytes.size() <= 32 * ops.size());
}

TEST_CASE("a truncated op is malformed wherever it is cut", "[sync][codec]") {
  Maker m;
  const std::string bytes = encodeOp(m.write(randomId(), makeHlc(1, 1), {text(2, "serial")}));
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    auto r = decodeOp(std::string_view(bytes).substr(0, cut));
    INFO("cut at " << cut);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::malformed);
  }
}

TEST_CASE("a truncated batch is malformed or a prefix of the original ops, never garbage", "[sync][codec]") {
  const std::vector<Op> ops = sampleOps();
  const std::string bytes = encodeBatch(ops);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    auto r = decodeBatch(std::string_view(bytes).substr(0, cut));
    if (!r) continue;
    INFO("cut at " << cut);
    REQUIRE(r->size() < ops.size());
    CHECK(std::equal(r->begin(), r->end(), ops.begin()));
  }
}

TEST_CASE("a hand-built batch decodes, and each malformation of it is refused", "[sync][codec]") {
  const std::string good_op = num(4, 1) + kGoodField;  // entity_type ITEM, node 0, entity 0
  REQUIRE(decodeBatch(batchWith(good_op)));

  auto refused = [](const std::string& bytes) {
    auto r = decodeBatch(bytes);
    return !r && r.error().code == Errc::malformed;
  };
  SECTION("an oversized length prefix") {
    CHECK(refused(key(1, 2) + varint(0xFFFFFFFFull) + kId16));
    CHECK(refused(len(1, kId16) + key(3, 2) + varint(1u << 30) + good_op));
  }
  SECTION("an unknown entity type") { CHECK(refused(batchWith(num(4, 99) + kGoodField))); }
  SECTION("an unknown fact kind") { CHECK(refused(batchWith(num(4, 1) + num(6, 77) + kGoodField))); }
  SECTION("a missing entity type") { CHECK(refused(batchWith(kGoodField))); }
  SECTION("a field of the wrong wire type") { CHECK(refused(batchWith(num(4, 1) + len(5, "x") + kGoodField))); }
  SECTION("an unknown field") { CHECK(refused(batchWith(num(4, 1) + num(15, 1) + kGoodField))); }
  SECTION("a node or entity index outside the batch") {
    CHECK(refused(batchWith(num(4, 1) + num(5, 1) + kGoodField)));
    CHECK(refused(batchWith(num(1, 3) + num(4, 1) + kGoodField)));
  }
  SECTION("an id of the wrong length") { CHECK(refused(len(1, "short") + len(2, kId16) + len(3, good_op))); }
  SECTION("a register write without fields") { CHECK(refused(batchWith(num(4, 1)))); }
  SECTION("field id zero") { CHECK(refused(batchWith(num(4, 1) + len(7, num(2, 10))))); }
  SECTION("a sequence that wraps to zero") {
    CHECK(refused(batchWith(num(2, 1) /* seq_skip = -1 */ + num(4, 1) + kGoodField)));
  }
  SECTION("text that is not UTF-8") { CHECK(refused(batchWith(num(4, 1) + len(7, num(1, 2) + len(3, "\xff\xfe"))))); }
  SECTION("input over the size limit is refused before parsing") {
    auto r = decodeBatch(batchWith(good_op), DecodeLimits{.max_bytes = 10});
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains("exceeds the limit"));
  }
  SECTION("more fields than the limit") {
    std::string many = num(4, 1);
    for (int i = 0; i < 300; ++i) many += len(7, num(1, static_cast<std::uint64_t>(i + 1)));
    CHECK(refused(batchWith(many)));
  }
}

TEST_CASE("random and mutated bytes never crash the decoders", "[sync][codec]") {
  std::mt19937_64 rng(12345);
  const std::string good = encodeBatch(sampleOps());
  for (int round = 0; round < 20'000; ++round) {
    std::string bytes = good;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = rng() % bytes.size();
      switch (rng() % 3) {
        case 0: bytes[at] = static_cast<char>(rng()); break;
        case 1: bytes.erase(at, 1 + rng() % 8); break;
        default: bytes.insert(at, 1, static_cast<char>(rng())); break;
      }
      if (bytes.empty()) bytes = "x";
    }
    if (auto r = decodeBatch(bytes)) {
      for (const Op& op : *r) REQUIRE(validate(op));
    }
    if (auto r = decodeOp(bytes)) REQUIRE(validate(*r));
  }
}
