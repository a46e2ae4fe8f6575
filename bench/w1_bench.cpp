// W1, the peer workload: two replicas each make N field-level register
// writes over M records x F fields in their own SQLite stores, then each
// merges all of the other's changes. Baseline: raw SQLite INSERT and
// last-writer-wins UPSERT of the same rows, in the same run.
#include <sodium.h>

#include <memory>
#include <random>

#include "bench/bench.h"
#include "bench/raw_sqlite.h"
#include "node/node.h"
#include "sync/codec.h"

namespace fieldsync::bench {
namespace {

using namespace fieldsync::node;
using sync::Id;
using sync::Op;

constexpr std::size_t kRecords = 10'000, kFields = 10, kMaxBatchBytes = 1u << 20;
constexpr std::size_t kWritesPerTransaction = 10'000;  // a bulk local change, like a merge batch

std::unique_ptr<Node> open(const std::string& path) {
  std::remove(path.c_str());
  auto n = Node::init(path, "BENCH");
  if (!n) std::exit(1);
  return std::move(n).value();
}

struct Change {
  std::uint32_t record, field;
  std::int64_t value;
};

std::vector<Change> changes(std::uint64_t seed, std::size_t n) {
  std::mt19937_64 rng(seed);
  std::vector<Change> out(n);
  for (Change& c : out)
    c = {static_cast<std::uint32_t>(rng() % kRecords), static_cast<std::uint32_t>(rng() % kFields),
         static_cast<std::int64_t>(rng() % 1'000'000)};
  return out;
}

// Splits ops into encoded batches of at most 1 MiB, as a push would.
std::vector<std::string> batches(const std::vector<Op>& ops) {
  std::vector<std::string> out;
  std::size_t per = 40'000;
  for (std::size_t at = 0; at < ops.size();) {
    const std::size_t n = std::min(per, ops.size() - at);
    std::string bytes = sync::encodeBatch(std::span(ops).subspan(at, n));
    if (bytes.size() > kMaxBatchBytes) {
      per /= 2;
      continue;
    }
    out.push_back(std::move(bytes));
    at += n;
  }
  return out;
}

// Bytes on the wire: each batch encrypted as one secretstream message behind
// a 4-byte length prefix, plus the stream header once.
std::size_t wireBytes(const std::vector<std::string>& encoded) {
  unsigned char key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
  unsigned char header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
  crypto_secretstream_xchacha20poly1305_state st;
  crypto_secretstream_xchacha20poly1305_keygen(key);
  crypto_secretstream_xchacha20poly1305_init_push(&st, header, key);
  std::size_t total = sizeof header;
  std::vector<unsigned char> out;
  for (const std::string& b : encoded) {
    out.resize(b.size() + crypto_secretstream_xchacha20poly1305_ABYTES);
    unsigned long long len = 0;
    crypto_secretstream_xchacha20poly1305_push(&st, out.data(), &len, reinterpret_cast<const unsigned char*>(b.data()),
                                               b.size(), nullptr, 0, 0);
    total += 4 + len;
  }
  return total;
}

double rawRate(const std::string& path, const char* create, const char* insert, const std::vector<Change>& a,
               const std::vector<Change>& b) {
  std::remove(path.c_str());
  RawDb raw(path);
  raw.exec(create);
  raw.prepare(insert);
  long long hlc = 0;
  const double s = timeIt([&] {
    raw.exec("BEGIN");
    for (const auto* side : {&a, &b})
      for (const Change& c : *side) raw.run({c.record, c.field, c.value, ++hlc, side == &a ? 1 : 2});
    raw.exec("COMMIT");
  });
  return static_cast<double>(a.size() + b.size()) / s;
}

}  // namespace

std::vector<Row> peerW1(const Options& o) {
  if (sodium_init() < 0) std::exit(1);
  const std::size_t n = o.quick ? 20'000 : 100'000;
  std::vector<Id> records(kRecords);
  for (Id& r : records) r = sync::randomId();
  auto a = open(o.dir + "/w1-a.db"), b = open(o.dir + "/w1-b.db");
  const std::vector<Change> ca = changes(1, n), cb = changes(2, n);

  auto writeAll = [&](Node& node, const std::vector<Change>& cs) {
    for (std::size_t at = 0; at < cs.size(); at += kWritesPerTransaction) {
      std::vector<Node::Write> ws;
      for (std::size_t i = at; i < std::min(cs.size(), at + kWritesPerTransaction); ++i)
        ws.push_back({sync::EntityType::item, records[cs[i].record], {{2 + cs[i].field, cs[i].value}}});
      if (!node.writeRegisters(ws)) std::exit(1);
    }
  };
  const double local_s = timeIt([&] {
    writeAll(*a, ca);
    writeAll(*b, cb);
  });

  auto opsA = a->opsOf(a->nodeId(), 0, n + 100), opsB = b->opsOf(b->nodeId(), 0, n + 100);
  if (!opsA || !opsB) std::exit(1);
  const auto wireA = batches(*opsA), wireB = batches(*opsB);
  const double bytes_per_change = static_cast<double>(wireBytes(wireA) + wireBytes(wireB)) / static_cast<double>(2 * n);

  auto mergeInto = [](Node& node, const std::vector<std::string>& wire) {
    for (const std::string& bytes : wire) {
      auto ops = sync::decodeBatch(bytes);
      if (!ops || !node.applyRemote(*ops)) std::exit(1);
    }
  };
  const double merge_s = timeIt([&] {
    mergeInto(*b, wireA);
    mergeInto(*a, wireB);
  });
  const bool converged = *a->digest() == *b->digest();
  if (!converged) std::fprintf(stderr, "bench: W1 replicas did not converge\n");

  const double insert_rate = rawRate(o.dir + "/w1-raw.db",
                                     "CREATE TABLE w(record INTEGER, field INTEGER, value INTEGER, hlc INTEGER, node INTEGER)",
                                     "INSERT INTO w VALUES(?, ?, ?, ?, ?)", ca, cb);
  const double upsert_rate = rawRate(
      o.dir + "/w1-raw-lww.db",
      "CREATE TABLE w(record INTEGER, field INTEGER, value INTEGER, hlc INTEGER, node INTEGER, PRIMARY KEY(record, field))",
      "INSERT INTO w VALUES(?, ?, ?, ?, ?) ON CONFLICT(record, field) DO UPDATE SET value = excluded.value, "
      "hlc = excluded.hlc, node = excluded.node WHERE (excluded.hlc, excluded.node) > (w.hlc, w.node)",
      ca, cb);
  const std::string w = "W1 peer workload (" + std::to_string(n / 1000) + "k writes per replica, 10k x 10 fields)";
  return {
      {w, "local apply", static_cast<double>(2 * n) / local_s, "ops/s", "raw SQLite INSERT, one transaction", insert_rate},
      {w, "merge", static_cast<double>(2 * n) / merge_s, "ops/s", "raw SQLite LWW UPSERT, one transaction", upsert_rate},
      {w, "bytes per change on the wire (encoded, encrypted)", bytes_per_change, "B", "aim", 32},
      {w, "peak RSS (process)", peakRssMiB(), "MiB", "", NAN},
      {w, "replicas converged", converged ? 1.0 : 0.0, "yes=1", "", NAN},
  };
}

}  // namespace fieldsync::bench
