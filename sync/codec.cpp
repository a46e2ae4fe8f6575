#include "sync/codec.h"

#include <limits>
#include <unordered_map>

#include "fieldsync.pb.h"

namespace fieldsync::sync {
namespace pb = fieldsync::v1;

static_assert(static_cast<int>(EntityType::exception) == pb::EXCEPTION);
static_assert(kMaxEntityType == pb::EntityType_MAX);
static_assert(static_cast<int>(FactKind::shipment_line) == pb::SHIPMENT_LINE);
static_assert(static_cast<int>(FactKind::stock_count) == pb::STOCK_COUNT);
static_assert(static_cast<int>(FactKind::assignment) == pb::ASSIGNMENT);
static_assert(kMaxFactKind == pb::FactKind_MAX);

namespace {

Error malformed(std::string what) { return fail(Errc::malformed, std::move(what)); }

void toProto(const Field& f, pb::Field* out) {
  out->set_id(f.id);
  std::visit([out](const auto& x) {
    using T = std::decay_t<decltype(x)>;
    if constexpr (std::is_same_v<T, std::int64_t>) out->set_integer(x);
    else if constexpr (std::is_same_v<T, std::string>) out->set_text(x);
    else if constexpr (std::is_same_v<T, Blob>) out->set_blob(x.bytes);
    else if constexpr (std::is_same_v<T, bool>) out->set_flag(x);
  }, f.value);
}

Field fromProto(const pb::Field& f) {
  Field out{f.id(), {}};
  switch (f.value_case()) {
    case pb::Field::kInteger: out.value = f.integer(); break;
    case pb::Field::kText: out.value = f.text(); break;
    case pb::Field::kBlob: out.value = Blob{f.blob()}; break;
    case pb::Field::kFlag: out.value = f.flag(); break;
    case pb::Field::VALUE_NOT_SET: break;
  }
  return out;
}

// Strict decoding: a field we do not know (or a known field with the wrong
// wire type, which protobuf files under unknown fields) is an error.
template <class Message>
bool hasUnknown(const Message& m) {
  return !m.GetReflection()->GetUnknownFields(m).empty();
}

template <class Fields>
Result<std::vector<Field>> decodeFields(const Fields& fields, const DecodeLimits& limits) {
  if (static_cast<std::size_t>(fields.size()) > limits.max_fields)
    return malformed("an op has " + std::to_string(fields.size()) + " fields, limit " + std::to_string(limits.max_fields));
  std::vector<Field> out;
  out.reserve(static_cast<std::size_t>(fields.size()));
  for (const pb::Field& f : fields) {
    if (hasUnknown(f)) return malformed("a field has unknown or mistyped members");
    out.push_back(fromProto(f));
  }
  return out;
}

Status finish(const Op& op) {
  if (Status s = validate(op); !s) return malformed(s.error().message);
  return {};
}

template <class Message>
Status parse(Message& m, std::string_view bytes, const DecodeLimits& limits, const char* what) {
  if (bytes.size() > limits.max_bytes)
    return malformed(std::string(what) + " of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                     std::to_string(limits.max_bytes));
  if (!m.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return malformed(std::string(what) + " does not parse");
  if (hasUnknown(m)) return malformed(std::string(what) + " has unknown or mistyped fields");
  return {};
}

}  // namespace

std::string encodeOp(const Op& op) {
  pb::Op m;
  m.set_node(std::string(op.id.node.view()));
  m.set_seq(op.id.seq);
  m.set_hlc(op.hlc);
  m.set_entity_type(static_cast<pb::EntityType>(op.entity_type));
  m.set_entity(std::string(op.entity.view()));
  auto* fields = op.isFact() ? m.mutable_fact()->mutable_fields() : m.mutable_write()->mutable_fields();
  if (op.isFact()) m.mutable_fact()->set_kind(static_cast<pb::FactKind>(op.fact));
  for (const Field& f : op.fields) toProto(f, fields->Add());
  return m.SerializeAsString();
}

Result<Op> decodeOp(std::string_view bytes, const DecodeLimits& limits) {
  pb::Op m;
  if (Status s = parse(m, bytes, limits, "op"); !s) return s.error();
  Op op;
  auto node = Id::fromBytes(m.node());
  auto entity = Id::fromBytes(m.entity());
  if (!node || !entity) return malformed("op node and entity ids must be 16 bytes");
  op.id = {*node, m.seq()};
  op.hlc = m.hlc();
  op.entity_type = static_cast<EntityType>(m.entity_type());
  op.entity = *entity;
  Result<std::vector<Field>> fields = std::vector<Field>{};
  switch (m.payload_case()) {
    case pb::Op::kWrite:
      if (hasUnknown(m.write())) return malformed("register write has unknown fields");
      fields = decodeFields(m.write().fields(), limits);
      break;
    case pb::Op::kFact:
      if (hasUnknown(m.fact())) return malformed("fact has unknown fields");
      if (m.fact().kind() == pb::FACT_KIND_UNSPECIFIED) return malformed("fact has no kind");
      op.fact = static_cast<FactKind>(m.fact().kind());
      fields = decodeFields(m.fact().fields(), limits);
      break;
    case pb::Op::PAYLOAD_NOT_SET: return malformed("op has no payload");
  }
  if (!fields) return fields.error();
  op.fields = std::move(fields).value();
  if (Status s = finish(op); !s) return s.error();
  return op;
}

std::string encodeBatch(std::span<const Op> ops) {
  pb::OpBatch batch;
  std::unordered_map<Id, std::uint32_t, IdHash> nodes, entities;
  std::unordered_map<std::uint32_t, std::uint64_t> last_seq;  // by node index
  auto indexOf = [](auto& dict, auto* list, const Id& id) {
    auto [it, fresh] = dict.try_emplace(id, static_cast<std::uint32_t>(dict.size()));
    if (fresh) list->Add(std::string(id.view()));
    return it->second;
  };
  HlcTime prev_hlc = 0;
  for (const Op& op : ops) {
    pb::BatchOp* m = batch.add_ops();
    const std::uint32_t node = indexOf(nodes, batch.mutable_nodes(), op.id.node);
    m->set_node(node);
    std::uint64_t& prev_seq = last_seq[node];
    // Two's-complement differences: the decoder adds them back modulo 2^64.
    m->set_seq_skip(static_cast<std::int64_t>(op.id.seq - prev_seq - 1));
    prev_seq = op.id.seq;
    m->set_hlc_delta(static_cast<std::int64_t>(op.hlc - prev_hlc));
    prev_hlc = op.hlc;
    m->set_entity_type(static_cast<pb::EntityType>(op.entity_type));
    m->set_entity(indexOf(entities, batch.mutable_entities(), op.entity));
    m->set_fact(static_cast<pb::FactKind>(op.fact));
    for (const Field& f : op.fields) toProto(f, m->add_fields());
  }
  return batch.SerializeAsString();
}

Result<std::vector<Op>> decodeBatch(std::string_view bytes, const DecodeLimits& limits) {
  pb::OpBatch batch;
  if (Status s = parse(batch, bytes, limits, "op batch"); !s) return s.error();
  std::vector<Id> nodes, entities;
  for (const std::string& raw : batch.nodes()) {
    auto id = Id::fromBytes(raw);
    if (!id) return malformed("batch node id must be 16 bytes");
    nodes.push_back(*id);
  }
  for (const std::string& raw : batch.entities()) {
    auto id = Id::fromBytes(raw);
    if (!id) return malformed("batch entity id must be 16 bytes");
    entities.push_back(*id);
  }
  std::vector<std::uint64_t> last_seq(nodes.size(), 0);
  std::vector<Op> ops;
  ops.reserve(static_cast<std::size_t>(batch.ops_size()));
  HlcTime prev_hlc = 0;
  for (const pb::BatchOp& m : batch.ops()) {
    if (hasUnknown(m)) return malformed("batch op " + std::to_string(ops.size()) + " has unknown or mistyped fields");
    if (m.node() >= nodes.size() || m.entity() >= entities.size())
      return malformed("batch op " + std::to_string(ops.size()) + " refers to a node or entity not in the batch");
    Op op;
    std::uint64_t& prev_seq = last_seq[m.node()];
    op.id = {nodes[m.node()], prev_seq + 1 + static_cast<std::uint64_t>(m.seq_skip())};
    prev_seq = op.id.seq;
    op.hlc = prev_hlc + static_cast<std::uint64_t>(m.hlc_delta());
    prev_hlc = op.hlc;
    op.entity_type = static_cast<EntityType>(m.entity_type());
    op.entity = entities[m.entity()];
    op.fact = static_cast<FactKind>(m.fact());
    auto fields = decodeFields(m.fields(), limits);
    if (!fields) return fields.error();
    op.fields = std::move(fields).value();
    if (Status s = finish(op); !s)
      return malformed("batch op " + std::to_string(ops.size()) + ": " + s.error().message);
    ops.push_back(std::move(op));
  }
  return ops;
}

}  // namespace fieldsync::sync
