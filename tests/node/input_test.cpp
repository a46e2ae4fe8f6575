// Text people type is checked where the command runs: the error names the
// field, and nothing is written (docs/data-model.md, "Text fields").
#include <catch2/catch.hpp>

#include <sstream>

#include "node/node_fixture.h"

using namespace fieldsync::test;
using fieldsync::sync::Errc;

namespace {
struct Fixture {
  TempDir dir;
  std::unique_ptr<Node> node = newNode(dir, "node.db");
  Node& n = *node;
  Fixture() { addCatalogue(n); }
};
}  // namespace

TEST_CASE("text that is blank, not UTF-8, too long or holds control characters is refused naming its field",
          "[node][input]") {
  Fixture f;
  Node& n = f.n;
  REQUIRE(Stock(n).move(qtyMove(MoveKind::receipt, "SEAL", "", "WH1", 2)));
  const std::string c = ok(Cases(n).open({"Bakery", "", "", "", "leak", Priority::normal, {}})).number;
  const std::string s = ok(Shipments(n).create("Bakery", "Plant 2", "WH1")).number;
  const std::string huge(1'200'000, 'x'), bad_utf8 = "Bad\xff" "Co";
  auto err = [](auto r) { return r.error(); };
  struct Refusal {
    const char* what;
    std::function<fieldsync::sync::Error()> run;
    const char* message;
  };
  MoveSpec blank_reason = qtyMove(MoveKind::adjustment, "SEAL", "LOSS", "WH1", 1);
  blank_reason.reason = " \t ";
  const std::vector<Refusal> refusals{
      {"a blank customer", [&] { return err(Cases(n).open({"   ", "", "", "", "leak", Priority::normal, {}})); }, "--customer: name the customer"},
      {"a blank problem", [&] { return err(Cases(n).open({"Bakery", "", "", "", "   ", Priority::normal, {}})); }, "--problem: describe the problem"},
      {"a blank recipient", [&] { return err(Shipments(n).track(s, {ShipmentStatus::delivered, {}, " ", "", "", "", true, {}})); }, "--recipient: proof of delivery needs"},
      {"a blank reason", [&] { return err(Stock(n).move(blank_reason)); }, "--reason: an adjustment needs a reason"},
      {"a blank technician", [&] { return err(Catalogue(n).addLocation({"VAN-X", "", LocationKind::van, "\u00a0 ", false, {}})); }, "--technician: a van needs"},
      {"a blank technician on a handover", [&] { return err(Catalogue(n).setLocation({"VAN-A", {}, " ", {}, {}})); }, "--technician: a van needs"},
      {"a technician for a warehouse", [&] { return err(Catalogue(n).setLocation({"WH1", {}, "zed", {}, {}})); }, "--technician: WH1 is not a van"},
      {"a blank note", [&] { return err(Exceptions(n).resolve("X-1", {" "})); }, "--note: say how"},
      {"a blank sign-off name", [&] { return err(Cases(n).signOff(c, "\u200b", {})); }, "--name: the customer's name"},
      {"a customer that is not UTF-8", [&] { return err(Cases(n).open({bad_utf8, "", "", "", "leak", Priority::normal, {}})); }, "--customer: is not valid UTF-8"},
      {"an activity that is not UTF-8", [&] { return err(Cases(n).log(c, bad_utf8, {})); }, "TEXT: is not valid UTF-8"},
      {"a serial that is not UTF-8", [&] { return err(Catalogue(n).registerUnit({"PUMP", bad_utf8})); }, "SERIAL: is not valid UTF-8"},
      {"a customer of 1.2 MB", [&] { return err(Cases(n).open({huge, "", "", "", "leak", Priority::normal, {}})); }, "--customer: is 1200000 bytes long; the limit is 1024"},
      {"a problem of 1.2 MB", [&] { return err(Cases(n).open({"Bakery", "", "", "", huge, Priority::normal, {}})); }, "--problem: is 1200000 bytes long; the limit is 16384"},
      {"a site of 1.2 MB", [&] { return err(Shipments(n).create("Bakery", huge, "WH1")); }, "--site: is 1200000 bytes long"},
      {"a serial of 129 bytes", [&] { return err(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {std::string(129, 'S')}))); }, "--serial: is 129 bytes long; the limit is 128"},
      {"a serial with an escape", [&] { return err(Stock(n).move(serialMove(MoveKind::receipt, "PUMP", "", "WH1", {"S\x1b[2J"}))); }, "--serial: holds a control character"},
      {"an item name with a line break", [&] { return err(Catalogue(n).setItem({"SEAL", "Seal\nkit"})); }, "--name: holds a control character"},
      {"a code with a C1 control", [&] { return err(Catalogue(n).addItem({"A\u0085B", "", false, 0, 0})); }, "CODE: holds a control character"},
      {"a count of 4001 serials", [&] {
         CountSpec count{"PUMP", "WH1", {}, {}, {}, true};
         for (int i = 0; i < 4001; ++i) count.serials.push_back("SN-" + std::to_string(i));
         return err(Stock(n).count(count));
       }, "--serial: 4001 serials in one count; at most 4000 fit one change (65536 bytes)"},
      {"a warranty of 99999999999 days", [&] { return err(Catalogue(n).addItem({"LONG", "", false, 99'999'999'999, 0})); }, "--warranty-days: must be 0 to 36500"},
      {"a warranty edit of 36501 days", [&] { return err(Catalogue(n).setItem({"SEAL", {}, 36'501})); }, "--warranty-days: must be 0 to 36500"},
  };
  for (const Refusal& r : refusals) {
    INFO(r.what);
    const Snapshot before = snapshot(n);
    const fieldsync::sync::Error e = r.run();
    CHECK(e.code == Errc::invalid_input);
    CHECK_THAT(e.message, Catch::StartsWith(r.message));
    CHECK(snapshot(n) == before);
  }
  // Long text may hold line breaks and tabs; names are trimmed of Unicode spaces.
  CHECK(ok(Cases(n).log(c, "replaced the seal\n\tand tested", {})).text == "replaced the seal\n\tand tested");
  CHECK(ok(Cases(n).open({"\u00a0Bakery Oy\u200b ", "", "", "", "leak", Priority::normal, {}})).customer == "Bakery Oy");
}

TEST_CASE("a CSV row with text that is too long or not UTF-8 is an invalid line, the others import", "[node][input]") {
  Fixture f;
  std::stringstream csv("item,serial,customer\nPUMP,A-1,Bakery\nPUMP,A-2," + std::string(1'200'000, 'x') +
                        "\nPUMP,A-3,Caf\xe9\nPUMP,A-4,Mill\n");
  const ImportSummary sum = ok(Catalogue(f.n).importUnits(csv));
  CHECK(sum.created == 2);
  CHECK(sum.invalid == 2);
  REQUIRE(sum.problems.size() == 2);
  CHECK(sum.problems[0] == "line 3: customer: is 1200000 bytes long; the limit is 1024");
  CHECK(sum.problems[1] == "line 4: customer: is not valid UTF-8 text");
}
