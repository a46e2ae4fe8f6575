// The server's admin calls (server.h): enrollment tokens, devices,
// revocation, the exception queue, export. Any thread; each takes the
// server's mutex (server_impl.h).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <sodium.h>

#include <algorithm>
#include <filesystem>

#include "node/exceptions.h"
#include "node/key_file.h"
#include "node/periods.h"
#include "node/model.h"
#include "node/rights.h"
#include "node/scope.h"
#include "server/internal/server_impl.h"
#include "sync/ticket.h"

namespace fieldsync::server {

using sync::Errc;
using sync::Id;
using namespace fieldsync::net;

Result<std::string> Server::enrollToken(std::string_view branch, std::string_view role, std::string_view person,
                                        std::int64_t valid_ms, std::string_view host, std::uint16_t port) {
  if (std::find(node::kRoles.begin(), node::kRoles.end(), role) == node::kRoles.end())
    return sync::fail(Errc::invalid_input, "--role: '" + std::string(role) +
                                               "' is not one of: technician, warehouse, driver, supervisor, admin");
  auto branch_ok = node::fieldText("--branch", branch, node::kMaxNameBytes, "name the branch");
  if (!branch_ok) return branch_ok.error();
  branch = *branch_ok;
  const std::string option = role == "driver" ? "--driver" : "--technician";
  auto person_ok = node::fieldText(option, person, node::kMaxNameBytes,
                                   node::rolePerson(role) ? "a " + std::string(role) + "'s device names its " +
                                                                std::string(role) + " (" + option + " NAME)"
                                                          : "");
  if (!person_ok) return person_ok.error();
  if (!node::rolePerson(role) && !person_ok->empty())
    return sync::fail(Errc::invalid_input, option + ": only a technician's or a driver's device names a person");
  if (valid_ms <= 0) return sync::fail(Errc::invalid_input, "--expires: must be positive");
  auto held = impl_->lock();
  sync::Address address{std::string(host), port};
  if (address.host.empty()) {  // where this server last listened
    auto saved = impl_->guarded([&]() -> Result<std::string> { return impl_->store->meta(impl_->addressKey()).value_or(""); });
    if (!saved) return saved.error();
    if (saved->empty())
      return sync::fail(Errc::invalid_input, "--address: the server has not listened yet; give HOST:PORT");
    auto parsed = sync::parseAddress(*saved);
    if (!parsed) return sync::fail(Errc::internal, "server.db is damaged: its address " + parsed.error().message);
    address = *parsed;
  }
  const Id token = sync::randomId();
  const std::int64_t expires = impl_->now() + valid_ms;
  auto ok = impl_->guarded([&]() -> Status {
    impl_->store->addToken(sync::hashBytes(token.view()), {std::string(branch), std::string(role), *person_ok, expires, false, {}});
    return {};
  });
  if (!ok) return ok.error();
  return sync::encodeTicket({address.host, address.port, impl_->signing_key.publicKey(), std::string(token.view()),
                             std::string(impl_->merged->company()), std::string(branch), std::string(role),
                             static_cast<std::uint64_t>(expires), *person_ok});
}

Result<std::vector<Device>> Server::devices() {
  auto held = impl_->lock();
  return impl_->guarded([&]() -> Result<std::vector<Device>> {
    auto all = impl_->store->devices();
    for (Device& d : all)
      if (auto it = impl_->announced.find(d.node); it != impl_->announced.end()) d.announced = it->second;
    return all;
  });
}

Result<std::vector<TokenInfo>> Server::tokens() {
  auto held = impl_->lock();
  return impl_->guarded([&]() -> Result<std::vector<TokenInfo>> {
    std::vector<TokenInfo> out;
    for (auto& [id, t] : impl_->store->tokens()) out.push_back({id, t.branch, t.role, t.person, t.expires_at, t.used, t.used_by});
    return out;
  });
}

Status Server::revoke(std::string_view device_hex) {
  auto id = Id::fromHex(device_hex);
  if (!id) return sync::fail(Errc::invalid_input, "DEVICE: " + id.error().message);
  auto held = impl_->lock();
  auto known = impl_->guarded([&]() -> Result<bool> { return impl_->store->revoke(*id, impl_->now()); });
  if (!known) return known.error();
  if (!*known) return sync::fail(Errc::not_found, "DEVICE: " + std::string(device_hex) + " is not an enrolled device");
  // Its open sessions end now (one revoked by another process, within a
  // second: the serving process watches for revocations).
  asio::post(impl_->control, [impl = impl_.get(), node = *id] {
    impl->endSessionsOf(node, 0, "device " + node.hex() + " was revoked");
  });
  return {};
}

Result<std::vector<node::ExceptionRow>> Server::exceptions(bool include_resolved) {
  auto held = impl_->lock();
  return node::Exceptions(*impl_->merged).list(include_resolved);
}

Result<node::ExceptionView> Server::showException(std::string_view ref) {
  auto held = impl_->lock();
  return node::Exceptions(*impl_->merged).show(ref);
}

Result<node::Resolved> Server::resolveException(std::string_view ref, const node::Resolution& how, Decision decision) {
  auto held = impl_->lock();
  node::Exceptions queue(*impl_->merged);
  auto view = queue.show(ref);
  if (!view) return view.error();
  const bool quarantined = view->row.kind == "quarantined";
  if (quarantined && decision == Decision::none)
    return sync::fail(Errc::invalid_input, "--release or --reject: exception " + view->row.number +
                                               " holds ops in quarantine; release them (apply) or reject them");
  if (!quarantined && decision != Decision::none)
    return sync::fail(Errc::invalid_input, std::string(decision == Decision::release ? "--release" : "--reject") +
                                               ": only a quarantined exception holds ops");
  node::Resolution decided = how;
  if (quarantined) {
    // Checked before the decision is made: nothing is decided that the resolution would then refuse.
    if (auto note = node::fieldText("--note", how.note, node::kMaxTextBytes, "say why"); !note) return note.error();
    if (how.adjust || !how.transfer_from.empty())
      return sync::fail(Errc::invalid_input, std::string(how.adjust ? "--adjust" : "--transfer-from") +
                                                 ": a quarantined exception is resolved by its decision alone");
    if (view->row.status == "resolved")
      return sync::fail(Errc::refused, "exception " + view->row.number + " is decided already: " + view->note);
    if (view->subjects.size() != 1) return sync::fail(Errc::internal, "exception " + view->row.number + " names no device");
    auto n = impl_->guarded([&]() -> Result<std::uint64_t> {
      auto tx = impl_->store->transaction();
      const std::uint64_t count = impl_->store->decide(view->subjects[0], decision == Decision::release, impl_->now());
      tx->commit();
      return count;
    });
    if (!n) return n.error();
    impl_->log("exception " + view->row.number + ": " + std::to_string(*n) + " held ops of device " +
               view->subjects[0].hex() + (decision == Decision::release ? " released" : " rejected"));
    decided.held_ops_decided = true;
  }
  auto r = queue.resolve(ref, decided);
  if (!r) return r;
  if (auto ok = impl_->pipeline->catchUp(); !ok) return ok.error();  // released ops are merged and forwarded
  return r;
}

Result<std::string> Server::exportJson() {
  auto held = impl_->lock();
  return impl_->merged->exportJson();
}

Result<std::string> Server::scopeExport(std::string_view device_hex) {
  auto id = Id::fromHex(device_hex);
  if (!id) return sync::fail(Errc::invalid_input, "DEVICE: " + id.error().message);
  auto held = impl_->lock();
  auto device = impl_->guarded([&]() -> Result<std::optional<Device>> { return impl_->store->device(*id); });
  if (!device) return device.error();
  if (!*device) return sync::fail(Errc::not_found, "DEVICE: " + std::string(device_hex) + " is not an enrolled device");
  const Device& d = **device;
  auto scope = node::Scopes(*impl_->merged).of({d.node, d.branch, d.role, d.person});
  if (!scope) return scope.error();
  if (scope->everything) return impl_->merged->exportJson();
  const std::vector<node::ScopeKey> keys(scope->entities.begin(), scope->entities.end());
  auto ops = node::Scopes(*impl_->merged).snapshot(keys);
  if (!ops) return ops.error();
  // A throwaway node of exactly those ops, in the data directory.
  const std::string path = impl_->dir + "/scope-" + sync::randomId().hex() + ".db";
  auto remove = [&] {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ignored);
  };
  auto out = [&]() -> Result<std::string> {
    auto n = node::Node::init(path, impl_->merged->company());
    if (!n) return n.error();
    if (auto ok = (*n)->applyRemote(*ops); !ok) return ok.error();
    return (*n)->exportJson();
  }();
  remove();
  return out;
}

Result<std::string> Server::digest() {
  auto held = impl_->lock();
  return impl_->merged->digest();
}

Result<std::uint64_t> Server::logHead() {
  auto held = impl_->lock();
  return impl_->guarded([&]() -> Result<std::uint64_t> { return impl_->store->head(); });
}

Result<std::uint64_t> Server::opCount() {
  auto held = impl_->lock();
  return impl_->guarded([&]() -> Result<std::uint64_t> { return impl_->store->opCount(); });
}

namespace {
namespace fs = std::filesystem;

void setMeta(storage::Db& db, const char* key, const std::string& value) {
  auto s = db.prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?, ?)");
  s->bind(1, key);
  s->bind(2, value);
  s->step();
}
}  // namespace

Result<Server::Backup> Server::backup(const std::string& to) {
  std::error_code ec;
  if (impl_->store->shared())
    return sync::fail(Errc::refused, "backup: this server's store is PostgreSQL: back it up with PostgreSQL's own "
                                     "tools (pg_dump, pg_basebackup; docs/server.md, \"Several servers\")");
  if (fs::exists(to, ec)) return sync::fail(Errc::invalid_input, "BACKUP: " + to + " exists already; name a new directory");
  const fs::path data = fs::weakly_canonical(impl_->dir, ec), target = fs::weakly_canonical(to, ec);
  if (std::mismatch(data.begin(), data.end(), target.begin(), target.end()).first == data.end())
    return sync::fail(Errc::invalid_input, "BACKUP: " + to + " is inside the data directory; put backups elsewhere");
  if (fs::exists(target.parent_path() / "server.key", ec))
    return sync::fail(Errc::invalid_input, "BACKUP: " + to + " is inside another backup or data directory");
  if (!fs::create_directory(to, ec) || ec)
    return sync::fail(Errc::invalid_input, "BACKUP: cannot create " + to + ": " + ec.message());
  fs::permissions(to, fs::perms::owner_all, ec);  // it holds the server's key
  Backup b{fs::absolute(to, ec).string(), impl_->now(), 0};
  try {
    // Connections of their own: the serving thread goes on meanwhile.
    storage::Db(impl_->dir + "/merged.db", false).copyTo(to + "/merged.db");
    storage::Db(impl_->dir + "/server.db", false).copyTo(to + "/server.db");
    for (const char* f : {"/merged.db", "/server.db"}) fs::permissions(to + f, fs::perms::owner_read | fs::perms::owner_write);
    if (auto ok = node::writeKeyFile(to + "/server.key", impl_->signing_key, false); !ok) throw storage::StoreError(ok.error().message);
    b.ops = ServerStore::open(to + "/server.db")->head();
    const std::string last = std::to_string(b.at) + " " + std::to_string(b.ops) + " " + b.path;
    ServerStore::open(to + "/server.db")->setMeta("last_backup", last);  // a restored server knows it too
    auto held = impl_->lock();
    impl_->store->setMeta("last_backup", last);
  } catch (const storage::StoreError& e) {
    fs::remove_all(to, ec);
    return e.error();
  }
  return b;
}

Result<std::optional<Server::Backup>> Server::lastBackup() {
  auto held = impl_->lock();
  return impl_->guarded([&]() -> Result<std::optional<Backup>> {
    const auto v = impl_->store->meta("last_backup");
    if (!v) return std::optional<Backup>();
    Backup b;
    std::size_t at_end = 0, ops_end = 0;
    b.at = std::stoll(*v, &at_end);
    b.ops = std::stoull(v->substr(at_end), &ops_end);
    b.path = v->substr(std::min(v->size(), at_end + ops_end + 1));
    return std::optional<Backup>(b);
  });
}

Status Server::restore(const std::string& data_dir, const std::string& from) {
  std::error_code ec;
  if (fs::exists(data_dir + "/store", ec))
    return sync::fail(Errc::refused, "restore: " + data_dir + " serves a PostgreSQL store: restore that with "
                                     "PostgreSQL's own tools (docs/server.md, \"Several servers\")");
  for (const char* f : {"server.key", "server.db", "merged.db"})
    if (!fs::exists(from + "/" + f, ec))
      return sync::fail(Errc::invalid_input, "BACKUP: " + from + " holds no " + f + "; it is not a fieldsync server backup");
  auto key = node::readKeyFile(from + "/server.key");
  if (!key) return key.error();
  if (fs::exists(data_dir, ec) && fs::equivalent(data_dir, from, ec))
    return sync::fail(Errc::invalid_input, "BACKUP: " + from + " is the data directory itself, not a backup of it");
  if (fs::exists(data_dir, ec) && !fs::exists(data_dir + "/server.key", ec))
    for (const auto& entry : fs::directory_iterator(data_dir, ec))
      if (entry.path().filename() != "serve.lock")
        return sync::fail(Errc::invalid_input, "--data: " + data_dir +
                                                   " holds other files and no server; restore into an empty directory");
  fs::create_directories(data_dir, ec);
  if (ec) return sync::fail(Errc::invalid_input, "--data: cannot create " + data_dir + ": " + ec.message());
  fs::permissions(data_dir, fs::perms::owner_all, ec);
  // No server may start serving meanwhile: the lock listen() takes.
  const int lock = ::open((data_dir + "/serve.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock < 0) return sync::fail(Errc::invalid_input, "--data: cannot lock " + data_dir);
  struct Unlock {
    int fd;
    ~Unlock() { ::close(fd); }
  } unlock{lock};
  if (::flock(lock, LOCK_EX | LOCK_NB) != 0)
    return sync::fail(Errc::refused, "--data: a fieldsync-server is serving " + data_dir + "; stop it first");
  const std::string key_path = data_dir + "/server.key";
  if (fs::exists(key_path, ec)) {
    auto mine = node::readKeyFile(key_path);
    if (!mine) return mine.error();
    if (mine->publicKey() != key->publicKey())
      return sync::fail(Errc::refused, "--data: " + data_dir +
                                           " belongs to another server (its key is not the backup's); restore into an "
                                           "empty directory");
  }
  try {
    for (const char* f : {"server.db", "merged.db"}) {
      const std::string copy = data_dir + "/" + f + ".restoring";
      fs::copy_file(from + "/" + f, copy, fs::copy_options::overwrite_existing);
      fs::permissions(copy, fs::perms::owner_read | fs::perms::owner_write);
    }
    {
      storage::Db s(data_dir + "/server.db.restoring", false);
      setMeta(s, "log_id", sync::randomId().hex());
    }
    {
      storage::Db m(data_dir + "/merged.db.restoring", false);
      setMeta(m, "node", sync::randomId().hex());
      setMeta(m, "seq", "0");
    }
    for (const char* f : {"server.db", "merged.db"}) {
      for (const char* suffix : {"-wal", "-shm"}) fs::remove(data_dir + "/" + f + suffix);
      fs::rename(data_dir + "/" + f + ".restoring", data_dir + "/" + f);
    }
  } catch (const storage::StoreError& e) {
    return e.error();
  } catch (const fs::filesystem_error& e) {
    return sync::fail(Errc::invalid_input, std::string("restoring: ") + e.what() + "; run restore again");
  }
  if (!fs::exists(key_path, ec))
    if (auto ok = node::writeKeyFile(key_path, *key, false); !ok) return ok.error();
  return {};
}

Status Server::setAdminPassword(std::string_view password) {
  if (password.size() < 10) return sync::fail(Errc::invalid_input, "the password: at least 10 characters");
  if (password.size() > 1024) return sync::fail(Errc::invalid_input, "the password: at most 1024 bytes");
  if (sodium_init() < 0) return sync::fail(Errc::internal, "libsodium cannot start");
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return sync::fail(Errc::internal, "hashing the password ran out of memory");
  auto held = impl_->lock();
  return impl_->guarded([&]() -> Status {
    impl_->store->setMeta("admin_password", hash);
    return {};
  });
}

Result<std::string> Server::adminPasswordStamp() {
  auto held = impl_->lock();
  return impl_->guarded([&]() -> Result<std::string> { return impl_->store->meta("admin_password").value_or(""); });
}

void Server::log(LogLevel level, const std::string& line) { impl_->log(line, level); }

Result<bool> Server::checkAdminPassword(std::string_view password) {
  std::optional<std::string> hash;
  {
    auto held = impl_->lock();
    auto got = impl_->guarded([&]() -> Status {
      hash = impl_->store->meta("admin_password");
      return {};
    });
    if (!got) return got.error();
  }
  if (!hash || password.size() > 1024) return false;
  if (sodium_init() < 0) return sync::fail(Errc::internal, "libsodium cannot start");
  return crypto_pwhash_str_verify(hash->c_str(), password.data(), password.size()) == 0;
}

Result<node::PeriodClosed> Server::closePeriod(const node::PeriodClose& spec) {
  auto held = impl_->lock();
  auto closed = node::Periods(*impl_->merged).close(spec);
  if (!closed) return closed;
  if (auto ok = impl_->pipeline->forward(); !ok) return ok.error();  // into the log: every node pulls it
  return closed;
}

Result<std::vector<node::PeriodRow>> Server::periods() {
  auto held = impl_->lock();
  return node::Periods(*impl_->merged).list();
}

Result<std::string> Server::metrics() {
  auto all = devices();
  if (!all) return all.error();
  auto open = exceptions(true);  // resolved ones too: their kinds show 0, not nothing
  if (!open) return open.error();
  auto backed = lastBackup();
  if (!backed) return backed.error();
  auto logged = logHead();
  if (!logged) return logged.error();
  const std::uint64_t head = *logged;
  const Metrics& m = impl_->metrics;
  std::string out;
  auto metric = [&](const std::string& name, const char* type, const std::string& help) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto value = [&](const std::string& name, std::uint64_t v) { out += name + " " + std::to_string(v) + "\n"; };
  metric("fieldsync_sessions_open", "gauge", "Device connections open now.");
  value("fieldsync_sessions_open", m.sessions_open);
  metric("fieldsync_handshakes_total", "counter", "Handshakes that ended with the device admitted or refused.");
  value("fieldsync_handshakes_total{result=\"admitted\"}", m.handshakes_admitted);
  value("fieldsync_handshakes_total{result=\"refused\"}", m.handshakes_refused);
  metric("fieldsync_ops_received_total", "counter", "Ops pushed by devices that were new here.");
  value("fieldsync_ops_received_total", m.ops_received);
  metric("fieldsync_ops_sent_total", "counter", "Ops sent to devices in pull replies.");
  value("fieldsync_ops_sent_total", m.ops_sent);
  metric("fieldsync_commits_total", "counter", "Store transactions of pushes (group commit: several pushes each).");
  value("fieldsync_commits_total", m.commits);
  metric("fieldsync_notices_total", "counter", "Watching devices told of news (live sync).");
  value("fieldsync_notices_total", m.notices);
  metric("fieldsync_log_head", "gauge", "The server sequence of the newest op in the log.");
  value("fieldsync_log_head", head);
  m.ingest.write(out, "fieldsync_ingest_seconds", "A push, from its receipt to its acknowledgement.");
  m.reconcile.write(out, "fieldsync_reconcile_seconds", "Merging pushed ops into the replica and checking them.");
  std::map<std::string, std::uint64_t> kinds;
  for (const auto& e : *open) kinds[e.kind] += e.status == "open" ? 1 : 0;
  metric("fieldsync_exceptions_open", "gauge", "Open exceptions by kind (docs/reconciliation.md).");
  for (const auto& [kind, n] : kinds) value("fieldsync_exceptions_open{kind=\"" + labelValue(kind) + "\"}", n);
  metric("fieldsync_device_lag_ops", "gauge", "Ops in the log after the device's cursor (not all in its scope).");
  auto labels = [](const Device& d) {
    return "{device=\"" + d.node.hex() + "\",branch=\"" + labelValue(d.branch) + "\",role=\"" + labelValue(d.role) + "\"}";
  };
  for (const Device& d : *all)
    if (!d.revoked_at) value("fieldsync_device_lag_ops" + labels(d), head > d.cursor ? head - d.cursor : 0);
  metric("fieldsync_device_pending_ops", "gauge", "Ops the device said it holds and has not pushed (since this process started).");
  for (const Device& d : *all)
    if (!d.revoked_at && d.announced) value("fieldsync_device_pending_ops" + labels(d), d.announced > d.watermark ? d.announced - d.watermark : 0);
  metric("fieldsync_last_backup_timestamp_seconds", "gauge", "When the last backup was taken (0: never).");
  value("fieldsync_last_backup_timestamp_seconds", *backed ? static_cast<std::uint64_t>((*backed)->at / 1000) : 0);
  return out;
}

}  // namespace fieldsync::server
