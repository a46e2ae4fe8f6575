// Attachments (docs/protocol.md, "Attachments"): a drawn signature is kept
// content-addressed on the device that made it, pushed after the op that
// refers to it, kept by the server, and pulled by the devices whose scope
// holds that op, and by no other. An upload or download cut short resumes
// where it stopped; a modified client cannot store what no op of its own
// refers to, nor bytes that do not match their hash.
#include <catch2/catch.hpp>

#include "node/attachments.h"
#include "server/company_fixture.h"
#include "support/proxy.h"

using namespace fieldsync::test;
using fieldsync::node::Attachments;
using fieldsync::node::attachmentHash;
using fieldsync::node::attachmentRef;

namespace {

// A PNG as far as its first bytes go (what the node checks), then `size` bytes of filler.
std::string png(std::size_t size, char fill = 'x') { return std::string("\x89PNG\r\n\x1a\n", 8) + std::string(size, fill); }

// The office puts a line on dan's shipment and dispatches it; dan pulls it.
void dispatchDans(Company& co) {
  REQUIRE(Shipments(*co.office.node).addLine(co.dans_shipment, "SEAL", 1000, {}, false));
  REQUIRE(Shipments(*co.office.node).track(co.dans_shipment, {ShipmentStatus::dispatched}));
  REQUIRE(co.office.sync());
  REQUIRE(co.dan.sync());
}

std::string deliverWith(Device& d, const std::string& shipment, std::string image) {
  TrackSpec spec{ShipmentStatus::delivered, {}, "J. Doe"};
  spec.image = std::move(image);
  auto delivered = Shipments(*d.node).track(shipment, spec);
  INFO((delivered ? "" : delivered.error().message));
  REQUIRE(delivered);
  return delivered->proof;
}

}  // namespace

TEST_CASE("a driver's signature reaches the devices that hold its shipment, and no other", "[server][attachments]") {
  Company co;
  dispatchDans(co);
  const std::string signature = png(20'000, 's');
  const std::string ref = deliverWith(co.dan, co.dans_shipment, signature);
  CHECK(ref == attachmentRef(fieldsync::sync::sha256(signature)));
  CHECK(ok(Shipments(*co.dan.node).show(co.dans_shipment)).tracking.back().proof == ref);

  const auto sent = ok(co.dan.sync());
  CHECK(sent.attachments_sent == 1);
  CHECK(ok(co.dan.sync()).attachments_sent == 0);  // once

  const auto office = ok(co.office.sync());  // an administrator holds everything
  CHECK(office.attachments_received == 1);
  CHECK(ok(Attachments(*co.office.node).bytes(ref)) == signature);
  const auto wh = ok(co.wh.sync());  // north's handheld holds north's shipments
  CHECK(wh.attachments_received == 1);
  CHECK(ok(Attachments(*co.wh.node).bytes(ref)) == signature);
  for (Device* other : {&co.alice, &co.south}) {  // neither holds the shipment
    const auto r = ok(other->sync());
    CHECK(r.attachments_received == 0);
    auto none = Attachments(*other->node).bytes(ref);
    REQUIRE_FALSE(none);
    CHECK(none.error().code == Errc::not_found);
  }
  const auto rows = ok(Attachments(*co.office.node).list());
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].ref == ref);
  CHECK(rows[0].type == "image/png");
  CHECK(rows[0].held == signature.size());
  CHECK_FALSE(rows[0].own);
  CHECK(rows[0].used_by == std::vector<std::string>{co.dans_shipment});
  checkHeldOnce(co.s, co.dan);
  CHECK(exportOf(*co.office.node) == *co.s.server->exportJson());
}

TEST_CASE("a customer's sign-off carries its signature to the technician's other devices", "[server][attachments]") {
  Company co;
  Device tablet2{co.s, co.dir, "alice2.db", "technician", "alice"};
  const std::string mine = ok(Cases(*co.alice.node).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  REQUIRE(Cases(*co.alice.node).schedule(mine, "alice", 1, 2));  // her visit: every device of hers holds the case
  const std::string signature = png(1000, 'c');
  const auto signed_off = ok(Cases(*co.alice.node).signOff(mine, "M. Virtanen", {}, signature));
  CHECK(signed_off.proof == attachmentRef(fieldsync::sync::sha256(signature)));
  REQUIRE(co.alice.sync());
  CHECK(ok(tablet2.sync()).attachments_received == 1);
  CHECK(ok(Attachments(*tablet2.node).bytes(signed_off.proof)) == signature);
  CHECK(exportOf(*tablet2.node) == exportOf(*co.alice.node));
  const auto history = ok(Cases(*tablet2.node).show(mine)).history;
  CHECK(std::any_of(history.begin(), history.end(), [&](const HistoryEntry& e) {
    return e.event == "signoff" && e.detail == "M. Virtanen (signature " + signed_off.proof + ")";
  }));
}

TEST_CASE("an image that is not a PNG or JPEG, or too large, is refused and nothing is written", "[server][attachments]") {
  TempDir dir;
  auto n = newNode(dir, "n.db");
  addCatalogue(*n);
  const std::string c = ok(Cases(*n).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  const std::uint64_t ops = *n->opCount();
  for (auto [what, image, says] : {std::tuple{"a text file", std::string("hello"), "not a PNG or JPEG image"},
                                   {"too large", png(fieldsync::node::kMaxAttachmentBytes), "at most 4194304"}}) {
    INFO(what);
    auto r = Cases(*n).signOff(c, "M. Virtanen", {}, image);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_input);
    CHECK_THAT(r.error().message, Catch::Contains("--signature") && Catch::Contains(says));
  }
  CHECK(*n->opCount() == ops);
  CHECK(ok(Attachments(*n).list()).empty());
}

TEST_CASE("a signature's upload and download cut short resume where they stopped", "[server][attachments]") {
  Company co;
  dispatchDans(co);
  const std::string big = png(3'000'000, 'b');  // twelve pieces of 256 KiB
  const std::string ref = deliverWith(co.dan, co.dans_shipment, big);
  {
    Proxy cut(co.s.port);
    co.dan.pointAt(cut.port());
    cut.cutAfter(1'200'000);  // inside the upload, after a few pieces
    CHECK_FALSE(co.dan.sync());
  }
  co.dan.pointAt(co.s.port);
  const auto resumed = ok(co.dan.sync());
  CHECK(resumed.attachments_sent == 1);
  CHECK(resumed.bytes_out < big.size());  // only what was missing went again
  {
    Proxy cut(co.s.port);
    co.office.pointAt(cut.port());
    cut.cutAfter(1'500'000);
    CHECK_FALSE(co.office.sync());
    const auto partial = ok(Attachments(*co.office.node).list());
    REQUIRE(partial.size() == 1);
    CHECK(partial[0].held > 0);
    CHECK(partial[0].held < big.size());
  }
  co.office.pointAt(co.s.port);
  const auto got = ok(co.office.sync());
  CHECK(got.attachments_received == 1);
  CHECK(got.bytes_in < big.size());
  CHECK(ok(Attachments(*co.office.node).bytes(ref)) == big);
}

TEST_CASE("an attachment no own op refers to, or whose bytes do not match its hash, is refused", "[server][attachments]") {
  Company co;
  dispatchDans(co);
  const std::string image = png(1000);
  const std::string ref = deliverWith(co.dan, co.dans_shipment, image);
  REQUIRE(co.dan.sync());
  const auto h = *attachmentHash(ref);
  SECTION("one that no op of the device refers to") {
    const std::string stranger = png(500, 'q');
    auto session = ok(fieldsync::node::SyncSession::connect(*co.alice.node, co.alice.path));
    auto put = session->putAttachment(fieldsync::sync::sha256(stranger), "image/png", stranger.size(), 0, stranger);
    REQUIRE_FALSE(put);
    CHECK(put.error().code == Errc::refused);
    CHECK_THAT(put.error().message, Catch::Contains("no op of this device refers to it"));
  }
  SECTION("bytes that do not match the hash their op names") {
    // dan's next delivery refers to an image; his modified client sends other bytes under its hash.
    const std::string real = png(800, 'r'), fake = png(800, 'f');
    const std::string shipment = ok(Shipments(*co.office.node).create("Mill", "", "WH-N", "dan")).number;
    REQUIRE(Shipments(*co.office.node).addLine(shipment, "SEAL", 1000, {}, false));
    REQUIRE(Shipments(*co.office.node).track(shipment, {ShipmentStatus::dispatched}));
    REQUIRE(co.office.sync());
    REQUIRE(co.dan.sync());
    const std::string real_ref = deliverWith(co.dan, shipment, real);
    auto session = ok(fieldsync::node::SyncSession::connect(*co.dan.node, co.dan.path));
    const auto watermark = ok(session->pushBatch(*co.dan.node->opsOf(co.dan.node->nodeId(), 0, 1000)));
    CHECK(watermark == *co.dan.node->ownSeq());
    const auto real_hash = *attachmentHash(real_ref);
    auto put = session->putAttachment(real_hash, "image/png", fake.size(), 0, fake);
    REQUIRE_FALSE(put);
    CHECK(put.error().code == Errc::invalid_input);
    CHECK_THAT(put.error().message, Catch::Contains("do not match its hash"));
    // Nothing of it was kept: the honest sync sends it whole, and the office receives the real bytes.
    const auto honest = ok(co.dan.sync());
    CHECK(honest.attachments_sent == 1);
    REQUIRE(co.office.sync());
    CHECK(ok(Attachments(*co.office.node).bytes(real_ref)) == real);
  }
  SECTION("a device that may not see it is told it is not available") {
    auto session = ok(fieldsync::node::SyncSession::connect(*co.south.node, co.south.path));
    const auto piece = ok(session->getAttachment(h, 0));
    CHECK_FALSE(piece.available);
    CHECK(piece.data.empty());
  }
}
