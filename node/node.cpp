// The node's core: opening, the apply path, projections, lookups, export.
#include "node/node.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <set>

#include "node/attachments.h"
#include "node/field_table.h"
#include "node/internal/core.h"
#include "sync/codec.h"
#include "sync/replica.h"

namespace fieldsync::node {

std::string textOf(const Attributes& a, FieldId f) {
  auto it = a.find(f);
  if (it == a.end()) return {};
  if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
  return {};
}

std::int64_t intOf(const Attributes& a, FieldId f, std::int64_t fallback) {
  auto it = a.find(f);
  if (it == a.end()) return fallback;
  if (const auto* v = std::get_if<std::int64_t>(&it->second)) return *v;
  return fallback;
}

bool flagOf(const Attributes& a, FieldId f) {
  auto it = a.find(f);
  return it != a.end() && std::holds_alternative<bool>(it->second) && std::get<bool>(it->second);
}

std::optional<Id> idOf(const Value& v) {
  const auto* b = std::get_if<sync::Blob>(&v);
  if (!b) return std::nullopt;
  auto id = Id::fromBytes(b->bytes);
  return id ? std::optional<Id>(*id) : std::nullopt;
}

std::optional<Id> idOf(const Attributes& a, FieldId f) {
  auto it = a.find(f);
  return it == a.end() ? std::nullopt : idOf(it->second);
}

Field idField(FieldId f, const Id& id) { return {f, sync::Blob{std::string(id.view())}}; }

std::vector<Id> idsOf(const Value& v) {
  std::vector<Id> out;
  const auto* b = std::get_if<sync::Blob>(&v);
  for (std::size_t i = 0; b && i + 16 <= b->bytes.size(); i += 16)
    out.push_back(*Id::fromBytes(std::string_view(b->bytes).substr(i, 16)));
  return out;
}

std::vector<Id> idsOf(const Attributes& a, FieldId f) {
  auto it = a.find(f);
  return it == a.end() ? std::vector<Id>{} : idsOf(it->second);
}

Field idsField(FieldId f, const std::vector<Id>& ids) {
  std::string bytes;
  for (const Id& id : ids) bytes += id.view();
  return {f, sync::Blob{std::move(bytes)}};
}

Attributes fieldsOf(const Op& op) {
  Attributes a;
  for (const Field& f : op.fields) a.emplace(f.id, f.value);
  return a;
}

Node::Core::Core(std::unique_ptr<Store> s, NodeOptions options, sync::HlcTime last)
    : store(std::move(s)),
      wall(options.wall),
      new_id(std::move(options.new_id)),
      hlc(std::move(options.wall), sync::Hlc::kDefaultMaxAheadMs, last) {}

Result<std::int64_t> Node::Core::businessTime(std::optional<std::int64_t> t) const {
  const std::int64_t current = now();
  if (!t) return current;
  if (*t > current + kBusinessTimeToleranceMs)
    return invalid("--at", formatTime(*t) + " is later than now (" + formatTime(current) +
                               "); a business time says when something happened");
  return *t;
}

void Node::Core::refresh() {
  seq = store->metaNumber("seq");
  hlc.receive(store->metaNumber("hlc"));
  loadPrincipal();
}

void Node::Core::loadPrincipal() {
  principal.reset();
  if (auto role = store->meta("sync.role"); role && !role->empty())
    principal = Principal{node, store->meta("sync.branch").value_or(""), *role, store->meta("sync.person").value_or("")};
}

Op Node::Core::emit(EntityType type, const Id& entity, FactKind kind, std::vector<Field> fields, bool domain) {
  Op op{{node, ++seq}, hlc.now(), type, entity, kind, std::move(fields)};
  // The commands check what people type (fieldText); this is the last word.
  if (auto ok = sync::validate(op); !ok) throw StoreError(ok.error().message, Errc::invalid_input);
  if (domain) {  // what docs/op-encoding.md says every op is, within this device's rights
    if (auto ok = fitsFieldTable(op); !ok) throw StoreError(ok.error().message, Errc::internal);
    if (principal)
      if (auto ok = checkRights(*this, *principal, op); !ok) throw StoreError(ok.error().message, Errc::refused);
  }
  std::string body = sync::encodeOp(op);
  if (body.size() > kMaxOpBytes)
    throw StoreError("the change is " + std::to_string(body.size()) + " bytes, more than the limit of " +
                         std::to_string(kMaxOpBytes),
                     Errc::invalid_input);
  if (store->appendOp(op, body)) project(op);
  return op;
}

Result<bool> Node::Core::applyAll(std::span<const Op> ops) {
  for (const Op& op : ops) {
    if (auto ok = sync::validate(op); !ok) return sync::fail(Errc::malformed, ok.error().message);
    hlc.receive(op.hlc);
    apply(op);
  }
  return true;
}

bool Node::Core::apply(const Op& op) {
  if (!store->appendOp(op, sync::encodeOp(op))) return false;
  project(op);
  return true;
}

void Node::Core::project(const Op& op) {
  if (!op.isFact()) {
    const sync::Stamp stamp = sync::stampOf(op);
    for (const Field& f : op.fields) store->writeRegister({op.entity_type, op.entity, f.id}, {f.value, stamp});
    if (op.entity_type == EntityType::unit) {
      const Attributes a = fieldsOf(op);
      if (flagOf(a, unit_f::registered))
        store->addClaim(op.entity, stamp, textOf(a, unit_f::build_code), textOf(a, unit_f::customer));
    }
    return;
  }
  const Attributes a = fieldsOf(op);
  const std::int64_t at = intOf(a, fact_f::at, static_cast<std::int64_t>(sync::hlcMillis(op.hlc)));
  store->addFact(op, at);
  if (const auto attached = attachmentHash(textOf(a, fact_f::proof))) store->addAttachmentRef(*attached, op.id, op.entity);
  switch (op.fact) {
    case FactKind::stock_move: {
      const auto item = idOf(a, fact_f::item), from = idOf(a, fact_f::from), to = idOf(a, fact_f::to);
      if (!item || !from || !to) return;  // kept as a fact; not a movement this node understands
      MoveRow m{op.id, op.hlc, at, static_cast<MoveKind>(intOf(a, fact_f::move_kind)), op.entity, *item, *from, *to,
                intOf(a, fact_f::qty), idOf(a, fact_f::unit), idOf(a, fact_f::service_case),
                idOf(a, fact_f::shipment), flagOf(a, fact_f::forced)};
      store->addMove(m);
      if (m.unit) placeUnit(*m.unit);
      if (m.unit && (m.kind == MoveKind::shipment_delivery || m.kind == MoveKind::issue))
        store->noteDate(*m.unit, Store::UnitDate::delivered, at);
      break;
    }
    case FactKind::stock_count: {
      const auto item = idOf(a, fact_f::item), location = idOf(a, fact_f::to);
      if (!item || !location) return;  // kept as a fact; not a count this node understands
      MoveRow c{op.id, op.hlc, at, MoveKind::count, op.entity, *item, *location, *location,
                intOf(a, fact_f::counted), std::nullopt, std::nullopt, std::nullopt, flagOf(a, fact_f::forced), true};
      const std::vector<Id> found = idsOf(a, fact_f::units);
      store->addCount(c, found);
      // Every unit whose place the count may change: those it found, and
      // those the ledger had there before it (found missing).
      std::vector<Id> units = store->unitsBefore(*item, *location, keyOf(c));
      units.insert(units.end(), found.begin(), found.end());
      for (const Id& u : units) placeUnit(u);
      break;
    }
    case FactKind::case_transition: refold(EntityType::service_case, op.entity); break;
    case FactKind::tracking: refold(EntityType::shipment, op.entity); break;
    case FactKind::visit_transition: refold(EntityType::visit, op.entity); break;
    case FactKind::unit_event: store->noteDate(op.entity, Store::UnitDate::installed, at); break;
    default: break;
  }
}

std::vector<Transition> Node::Core::transitions(FactKind kind, const Id& id) {
  std::vector<Transition> events;
  for (const Op& f : store->facts(kind, id)) {
    const Attributes a = fieldsOf(f);
    events.push_back({intOf(a, fact_f::at), sync::stampOf(f), static_cast<int>(intOf(a, fact_f::status)),
                      flagOf(a, fact_f::forced)});
  }
  return events;
}

void Node::Core::refold(EntityType type, const Id& id) {
  if (type == EntityType::service_case)
    store->setStatus(type, id, foldCase(transitions(FactKind::case_transition, id)));
  else if (type == EntityType::visit)
    store->setStatus(type, id, foldVisit(transitions(FactKind::visit_transition, id)));
  else
    store->setStatus(type, id, foldShipment(transitions(FactKind::tracking, id)));
}

std::optional<std::string> Node::Core::mintedNumber(const Op& op) const {
  static_assert(case_f::number == shipment_f::number && case_f::number == doc_f::number);
  const char prefix = op.entity_type == EntityType::service_case ? 'C'
                      : op.entity_type == EntityType::shipment   ? 'S'
                      : op.entity_type == EntityType::stock_doc  ? 'D'
                                                                 : 0;
  if (!prefix || op.isFact()) return std::nullopt;
  const std::string head = std::string(1, prefix) + "-" + node.hex().substr(0, 8) + "-";
  for (const Field& f : op.fields)
    if (const auto* text = std::get_if<std::string>(&f.value);
        text && f.id == case_f::number && text->starts_with(head) && text->size() > head.size() &&
        text->size() <= head.size() + 19 &&
        std::all_of(text->begin() + static_cast<std::ptrdiff_t>(head.size()), text->end(),
                    [](char c) { return c >= '0' && c <= '9'; }))
      return *text;
  return std::nullopt;
}

std::string Node::Core::nextNumber(std::string_view prefix) {
  const std::string key = "counter." + std::string(prefix);
  const std::uint64_t n = store->metaNumber(key) + 1;
  store->setMeta(key, std::to_string(n));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*s-%.8s-%04llu", static_cast<int>(prefix.size()), prefix.data(),
                node.hex().c_str(), static_cast<unsigned long long>(n));
  return buf;
}

Id Node::Core::itemId(std::string_view code) const {
  return sync::naturalId("item", {company.view(), sync::normaliseSerial(code)});
}
Id Node::Core::locationId(std::string_view code) const {
  return sync::naturalId("location", {company.view(), sync::normaliseSerial(code)});
}

Result<ItemRef> Node::Core::item(std::string_view code) {
  const Id id = itemId(code);
  const Attributes a = store->entity(EntityType::item, id);
  if (a.empty() || flagOf(a, sync::kDeletedField))
    return sync::fail(Errc::not_found, "item: '" + std::string(code) + "' is not a known item (add it with 'item add')");
  return ItemRef{id, textOf(a, item_f::code), flagOf(a, item_f::serial_tracked), intOf(a, item_f::warranty_days),
                 intOf(a, item_f::low_stock)};
}

Result<LocationRef> Node::Core::locationById(const Id& id) {
  const Attributes a = store->entity(EntityType::location, id);
  if (a.empty() || flagOf(a, sync::kDeletedField)) return sync::fail(Errc::not_found, "location: unknown location");
  return LocationRef{id, textOf(a, location_f::code), static_cast<LocationKind>(intOf(a, location_f::kind)),
                     flagOf(a, location_f::allow_negative), technicianAt(id)};
}

std::string Node::Core::technicianAt(const Id& van, std::optional<std::int64_t> at) {
  std::string holder = textOf(store->entity(EntityType::location, van), location_f::technician);
  for (const Op& f : store->facts(FactKind::assignment, van)) {  // by business time
    const Attributes a = fieldsOf(f);
    if (at && intOf(a, fact_f::at) > *at) break;
    holder = textOf(a, fact_f::person);
  }
  return holder;
}

std::vector<MoveRow> Node::Core::unitTimeline(const Id& unit) {
  std::vector<MoveRow> events = store->movesOfUnit(unit);
  for (MoveRow& c : store->countsFinding(unit)) events.push_back(std::move(c));
  std::sort(events.begin(), events.end(), [](const MoveRow& x, const MoveRow& y) { return less(keyOf(x), keyOf(y)); });
  std::vector<MoveRow> out;
  for (std::size_t i = 0; i < events.size(); ++i) {
    out.push_back(events[i]);
    const LedgerKey next = i + 1 < events.size() ? keyOf(events[i + 1]) : kEndOfLedger;
    if (auto missing = store->countMissing(events[i].item, events[i].to, unit, keyOf(events[i]), next)) {
      missing->to = locationId("LOSS");
      missing->unit = unit;
      out.push_back(std::move(*missing));
    }
  }
  return out;
}

void Node::Core::placeUnit(const Id& unit) {
  const std::vector<MoveRow> timeline = unitTimeline(unit);
  store->setUnitPlace(unit, timeline.empty() ? std::nullopt : std::optional<MoveRow>(timeline.back()));
}

Result<LocationRef> Node::Core::location(std::string_view code) {
  auto r = locationById(locationId(code));
  if (!r)
    return sync::fail(Errc::not_found,
                      "location: '" + std::string(code) + "' is not a known location (add it with 'location add')");
  return r;
}

std::string Node::Core::codeOf(EntityType type, const Id& id) {
  const Attributes a = store->entity(type, id);
  const std::string code = textOf(a, 2);  // code or number is field 2 of every named entity
  return code.empty() ? id.hex() : code;
}

std::string Node::Core::unitLabel(const Id& unit, std::string_view separator) {
  const Attributes u = store->entity(EntityType::unit, unit);
  const auto item = idOf(u, unit_f::item);
  return (item ? codeOf(EntityType::item, *item) : std::string("?")) + std::string(separator) + textOf(u, unit_f::serial);
}

Result<EntityRef> Node::Core::findNumbered(EntityType type, FieldId number_field, std::string_view ref,
                                           std::string_view what) {
  std::vector<Id> found = store->findEntities(type, number_field, Value{std::string(ref)});
  if (found.empty()) {
    if (auto id = Id::fromHex(ref); id && !store->entity(type, *id).empty()) found.push_back(*id);
  }
  if (found.empty()) loadPrincipal();  // a query does not read it otherwise
  if (found.empty() && principal && principal->role != "admin")  // docs/scopes.md
    return sync::fail(Errc::refused, std::string(what) + ": '" + std::string(ref) + "' is not held on this device: a " +
                                         principal->role + "'s device holds only its share (docs/scopes.md)");
  if (found.empty())
    return sync::fail(Errc::not_found, std::string(what) + ": '" + std::string(ref) + "' is not a known " +
                                           std::string(what) + " number or id");
  if (found.size() > 1)
    return sync::fail(Errc::invalid_input,
                      std::string(what) + ": number '" + std::string(ref) + "' is ambiguous; use the id");
  Attributes a = store->entity(type, found[0]);
  return EntityRef{found[0], textOf(a, number_field), std::move(a)};
}

// ---- opening ---------------------------------------------------------------

Node::Node(std::unique_ptr<Core> core) : core_(std::move(core)) {}
Node::~Node() = default;

sync::Id Node::nodeId() const { return core_->node; }

namespace {
Result<std::unique_ptr<Store>> openStore(const std::string& path, bool create) {
  try {
    return Store::open(path, create);
  } catch (const StoreError& e) {
    return e.error();
  }
}
}  // namespace

Result<std::unique_ptr<Node>> Node::init(const std::string& path, std::string_view company, NodeOptions options) {
  if (auto name = fieldText("--company", company, kMaxNameBytes, "must not be empty"); !name) return name.error();
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (ec) return invalid("--db", "'" + path + "' cannot be reached: " + ec.message());
  if (exists) return sync::fail(Errc::refused, "'" + path + "' already exists; init creates a new node database");
  // Made under a temporary name beside it and linked into place once
  // complete: a crash leaves no half-made database at `path`.
  std::string temp = path + ".init-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return invalid("--db", "cannot create a file beside '" + path + "': " + std::strerror(errno));
  ::close(fd);
  auto remove_temp = [&temp] {
    std::error_code ignored;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(temp + suffix, ignored);
  };
  {
    auto store = openStore(temp, true);
    if (!store) {
      remove_temp();
      return store.error();
    }
    auto core = std::make_unique<Core>(std::move(store).value(), options, 0);
    core->node = core->new_id();
    core->company_name = sync::normaliseSerial(company);
    core->company = sync::naturalId("company", {core->company_name});
    auto made = core->command<bool>([&]() -> Result<bool> {
      core->store->setMeta("node", core->node.hex());
      core->store->setMeta("company", sync::normaliseSerial(company));
      for (const DefaultLocation& d : kDefaultLocations)
        core->emit(EntityType::location, core->locationId(d.code), FactKind::none,
                   {{location_f::code, std::string(d.code)}, {location_f::kind, static_cast<std::int64_t>(d.kind)}});
      return true;
    });
    if (!made) {
      remove_temp();
      return made.error();
    }
  }  // closed: the WAL is checkpointed into the file
  const int linked = ::link(temp.c_str(), path.c_str()) == 0 ? 0 : errno;
  remove_temp();
  if (linked == EEXIST) return sync::fail(Errc::refused, "'" + path + "' already exists; init creates a new node database");
  if (linked) return invalid("--db", "cannot create '" + path + "': " + std::strerror(linked));
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (const int d = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);  // the new name survives a power cut
    ::close(d);
  }
  return open(path, std::move(options));
}

Result<std::unique_ptr<Node>> Node::open(const std::string& path, NodeOptions options) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  if (ec) return invalid("--db", "'" + path + "' cannot be reached: " + ec.message());
  if (!exists)
    return sync::fail(Errc::not_found, "no node database at '" + path + "'; create one with 'fieldsync --db " + path +
                                           " init --company NAME'");
  auto store = openStore(path, false);
  if (!store) return store.error();
  try {
    Store& s = **store;
    const auto node = s.meta("node"), company = s.meta("company");
    if (!node || !company) return invalid("--db", "'" + path + "' is not an initialised node database");
    auto node_id = Id::fromHex(*node);
    if (!node_id) return sync::fail(Errc::internal, "'" + path + "' is damaged: its node id " + node_id.error().message);
    const std::uint64_t hlc = s.metaNumber("hlc"), seq = s.metaNumber("seq");
    auto core = std::make_unique<Core>(std::move(store).value(), std::move(options), hlc);
    core->node = *node_id;
    core->company = sync::naturalId("company", {*company});
    core->company_name = *company;
    core->seq = seq;
    return std::unique_ptr<Node>(new Node(std::move(core)));
  } catch (const StoreError& e) {
    return e.error();
  }
}

// ---- the node itself --------------------------------------------------------

Result<NodeStatus> Node::status() {
  return core_->query<NodeStatus>([&]() -> Result<NodeStatus> {
    Store& s = *core_->store;
    NodeStatus st;
    st.node = core_->node;
    st.company = core_->company_name;
    st.schema_version = s.schemaVersion();
    st.ops = s.opCount();
    st.own_ops = s.metaNumber("seq");
    st.clock = static_cast<std::int64_t>(sync::hlcMillis(core_->hlc.last()));
    st.server = s.meta("sync.server").value_or("");
    st.branch = s.meta("sync.branch").value_or("");
    st.role = s.meta("sync.role").value_or("");
    st.person = s.meta("sync.person").value_or("");
    st.pending_ops = st.own_ops - std::min(st.own_ops, s.metaNumber("sync.acked"));
    if (s.meta("sync.last")) st.last_sync = static_cast<std::int64_t>(s.metaNumber("sync.last"));
    st.cursor = s.metaNumber("sync.cursor");
    for (auto [count, type] : {std::pair{&st.items, EntityType::item}, {&st.locations, EntityType::location},
                               {&st.units, EntityType::unit}, {&st.cases, EntityType::service_case},
                               {&st.shipments, EntityType::shipment}})
      *count = s.entityIds(type).size();
    return st;
  });
}

Result<std::uint64_t> Node::dropEntities(std::span<const sync::Id> entities) {
  return core_->command<std::uint64_t>([&]() -> Result<std::uint64_t> {
    const std::set<Id> which(entities.begin(), entities.end());
    const std::uint64_t removed =
        core_->store->removeEntityOps(which, core_->node, core_->store->metaNumber("sync.acked"));
    if (removed) {
      core_->store->clearProjections();
      core_->store->forEachOp([&](const Op& op) { core_->project(op); });
      core_->store->forgetAttachmentsOfOthers();
    }
    return removed;
  });
}

Status Node::forgetPulled() {
  auto r = core_->command<bool>([&]() -> Result<bool> {
    core_->store->removeOthersOps(core_->node);
    core_->store->clearProjections();
    core_->store->forEachOp([&](const Op& op) { core_->project(op); });
    core_->store->forgetAttachmentsOfOthers();
    core_->store->setMeta("sync.cursor", "0");
    return true;
  });
  if (!r) return r.error();
  return {};
}

Status Node::rebuild() {
  auto r = core_->command<bool>([&]() -> Result<bool> {
    core_->store->clearProjections();
    core_->store->forEachOp([&](const Op& op) { core_->project(op); });
    return true;
  });
  if (!r) return r.error();
  return {};
}

Result<std::string> Node::digest() {
  return core_->query<std::string>([&]() -> Result<std::string> {
    sync::Digest d;
    core_->store->forEachRegister([&](const sync::RegisterKey& k, const sync::Register& r) { d.addRegister(k, r); });
    core_->store->forEachFact([&](const Op& f) { d.addFact(f); });
    return d.hex();
  });
}

Status Node::writeRegisters(std::span<const Write> writes) {
  for (const Write& w : writes) {
    Op probe{{core_->node, 1}, 0, w.type, w.entity, FactKind::none, w.fields};
    if (auto ok = sync::validate(probe); !ok) return ok.error();
  }
  auto r = core_->command<bool>([&]() -> Result<bool> {
    for (const Write& w : writes) core_->emit(w.type, w.entity, FactKind::none, w.fields, false);
    return true;
  });
  if (!r) return r.error();
  return {};
}

Status Node::applyRemote(std::span<const Op> ops) {
  auto r = core_->command<bool>([&]() -> Result<bool> { return core_->applyAll(ops); });
  if (!r) return r.error();
  return {};
}

Status Node::applyPulled(std::span<const Op> ops, std::uint64_t cursor) {
  auto r = core_->command<bool>([&]() -> Result<bool> {
    auto applied = core_->applyAll(ops);
    if (applied) core_->store->setMeta("sync.cursor", std::to_string(cursor));
    return applied;
  });
  if (!r) return r.error();
  return {};
}

Result<std::string> Node::setting(std::string_view key) {
  return core_->query<std::string>([&]() -> Result<std::string> { return core_->store->meta(key).value_or(""); });
}

Result<std::uint64_t> Node::settingNumber(std::string_view key) {
  return core_->query<std::uint64_t>([&]() -> Result<std::uint64_t> { return core_->store->metaNumber(key); });
}

Status Node::setSetting(std::string_view key, std::string_view value) {
  auto r = core_->command<bool>([&]() -> Result<bool> {
    core_->store->setMeta(key, value);
    return true;
  });
  if (!r) return r.error();
  return {};
}

Result<Node::Recovered> Node::recoverOwnOps(std::span<const Op> theirs) {
  return core_->command<Recovered>([&]() -> Result<Recovered> {
    Store& s = *core_->store;
    Recovered r;
    std::vector<Op> moved;  // made here since the backup, under a seq the server holds for another op
    std::uint64_t last = 0;
    for (const Op& op : theirs) {
      if (op.id.node != core_->node) return sync::fail(Errc::malformed, "the server sent another node's op as this one's");
      if (auto ok = sync::validate(op); !ok) return sync::fail(Errc::malformed, ok.error().message);
      const std::string body = sync::encodeOp(op);
      const auto mine = s.opsOf(op.id.node, op.id.seq - 1, 1);
      if (!mine.empty() && mine[0].id.seq == op.id.seq) {
        if (sync::encodeOp(mine[0]) == body) continue;
        moved.push_back(mine[0]);
        s.removeOp(mine[0].id);
      }
      s.appendOp(op, body);
      core_->hlc.receive(op.hlc);
      last = std::max(last, op.id.seq);
      ++r.taken;
    }
    if (!r.taken) return r;
    // Numbers minted here (C-, S-, D- with this node's id) in the ops taken
    // back: the counters go past them, and one minted again since gets a new one.
    std::set<std::string> used;
    for (const Op& op : theirs)
      if (auto n = core_->mintedNumber(op)) {
        used.insert(*n);
        const std::string key = "counter." + n->substr(0, 1);
        s.setMeta(key, std::to_string(std::max<std::uint64_t>(s.metaNumber(key), std::stoull(n->substr(n->rfind('-') + 1)))));
      }
    auto rename = [&](Op& op) {
      auto n = core_->mintedNumber(op);
      if (!n || !used.contains(*n)) return false;
      const std::string fresh = core_->nextNumber(n->substr(0, 1));
      for (Field& f : op.fields)
        if (f.id == case_f::number) f.value = fresh;
      r.renamed.emplace_back(*n, fresh);
      return true;
    };
    for (Op& op : s.opsOf(core_->node, last, SIZE_MAX))  // made here since, under seqs the server does not hold
      if (rename(op)) {
        s.removeOp(op.id);
        s.appendOp(op, sync::encodeOp(op));
      }
    core_->seq = std::max(core_->seq, last);
    for (Op& op : moved) {
      rename(op);
      op.id.seq = ++core_->seq;
      s.appendOp(op, sync::encodeOp(op));
      ++r.renumbered;
    }
    s.clearProjections();
    s.forEachOp([&](const Op& op) { core_->project(op); });
    return r;
  });
}

Result<std::uint64_t> Node::ownSeq() {
  return core_->query<std::uint64_t>([&]() -> Result<std::uint64_t> {
    return core_->store->metaNumber("seq");
  });
}

std::string_view Node::company() const { return core_->company_name; }

std::int64_t Node::now() const { return core_->now(); }

Result<std::uint64_t> Node::mergeFrom(const std::string& other_path) {
  auto other = Node::open(other_path);
  if (!other && other.error().code == Errc::not_found)
    return sync::fail(Errc::not_found, "FILE: no node database at '" + other_path + "'");
  if (!other) return other.error();
  if ((*other)->core_->company != core_->company)
    return sync::fail(Errc::refused, "'" + other_path + "' belongs to another company");
  auto ops = (*other)->core_->query<std::vector<Op>>([&]() -> Result<std::vector<Op>> {
    std::vector<Op> all;
    (*other)->core_->store->forEachOp([&](const Op& op) { all.push_back(op); });
    return all;
  });
  if (!ops) return ops.error();
  auto before = opCount();
  if (!before) return before.error();
  if (auto ok = applyRemote(*ops); !ok) return ok.error();
  auto after = opCount();
  if (!after) return after.error();
  return *after - *before;
}

Result<std::vector<Op>> Node::opsOf(const Id& node, std::uint64_t after, std::size_t limit) {
  return core_->query<std::vector<Op>>([&]() -> Result<std::vector<Op>> { return core_->store->opsOf(node, after, limit); });
}

Result<std::uint64_t> Node::opCount() {
  return core_->query<std::uint64_t>([&]() -> Result<std::uint64_t> { return core_->store->opCount(); });
}

}  // namespace fieldsync::node
