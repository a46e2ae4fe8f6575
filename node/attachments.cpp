// Attachments: content-addressed images that facts refer to (node/attachments.h).
#include "node/attachments.h"

#include <map>

#include "node/internal/core.h"
#include "sync/bytes.h"

namespace fieldsync::node {

namespace {
constexpr std::string_view kPrefix = "sha256:";
std::string_view view(const sync::Hash& h) { return {reinterpret_cast<const char*>(h.data()), h.size()}; }
}  // namespace

std::string attachmentRef(const sync::Hash& sha256) { return std::string(kPrefix) + sync::toHex(view(sha256)); }

std::optional<sync::Hash> attachmentHash(std::string_view ref) {
  if (!ref.starts_with(kPrefix) || ref.size() != kPrefix.size() + 64) return std::nullopt;
  const std::string_view hex = ref.substr(kPrefix.size());
  if (!std::all_of(hex.begin(), hex.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }))
    return std::nullopt;
  auto bytes = sync::fromHex(hex);
  if (!bytes || bytes->size() != 32) return std::nullopt;
  sync::Hash h{};
  std::copy(bytes->begin(), bytes->end(), h.begin());
  return h;
}

std::optional<sync::Hash> attachmentOf(const sync::Op& op) {
  if (!op.isFact()) return std::nullopt;
  return attachmentHash(textOf(fieldsOf(op), fact_f::proof));
}

Result<std::string> attachmentType(std::string_view field, std::string_view bytes) {
  if (bytes.empty()) return invalid(field, "the image is empty");
  if (bytes.size() > kMaxAttachmentBytes)
    return invalid(field, "the image is " + std::to_string(bytes.size()) + " bytes; at most " +
                              std::to_string(kMaxAttachmentBytes) + " may be attached");
  if (bytes.starts_with("\x89PNG\r\n\x1a\n")) return std::string("image/png");
  if (bytes.starts_with("\xff\xd8\xff")) return std::string("image/jpeg");
  return invalid(field, "not a PNG or JPEG image");
}

Result<std::string> Node::Core::attach(std::string_view field, std::string_view bytes) {
  auto type = attachmentType(field, bytes);
  if (!type) return type.error();
  const sync::Hash h = sync::sha256(bytes);
  store->putAttachment(h, *type, bytes);
  return attachmentRef(h);
}

Attachments::Attachments(Node& node) : core_(*node.core_) {}

Result<std::vector<AttachmentRow>> Attachments::list() {
  return core_.query<std::vector<AttachmentRow>>([&]() -> Result<std::vector<AttachmentRow>> {
    std::map<sync::Hash, AttachmentRow> rows;
    for (const auto& a : core_.store->attachments())
      rows[a.hash] = {attachmentRef(a.hash), a.type, a.size, a.held, a.own, a.sent, {}};
    for (const auto& [h, entity] : core_.store->attachmentRefs()) {
      AttachmentRow& r = rows[h];
      if (r.ref.empty()) r.ref = attachmentRef(h);
      const bool is_case = !core_.store->entity(EntityType::service_case, entity).empty();
      r.used_by.push_back(core_.codeOf(is_case ? EntityType::service_case : EntityType::shipment, entity));
    }
    std::vector<AttachmentRow> out;
    for (auto& [h, r] : rows) out.push_back(std::move(r));
    return out;
  });
}

Result<std::string> Attachments::bytes(std::string_view ref) {
  const auto h = attachmentHash(ref);
  if (!h) return invalid("REF", "'" + std::string(ref) + "' is not an attachment reference (sha256: and 64 hex digits)");
  return core_.query<std::string>([&]() -> Result<std::string> {
    auto data = core_.store->attachmentBytes(*h);
    if (!data) return sync::fail(Errc::not_found, "attachment " + std::string(ref) + " is not held on this node" +
                                                      (core_.store->attachment(*h) ? " yet (its download is under way)" : ""));
    return *data;
  });
}

Result<std::vector<sync::Hash>> Attachments::toSend(std::uint64_t acked) {
  return core_.query<std::vector<sync::Hash>>(
      [&]() -> Result<std::vector<sync::Hash>> { return core_.store->attachmentsToSend(core_.node, acked); });
}

Status Attachments::markSent(const sync::Hash& h) {
  auto r = core_.command<bool>([&]() -> Result<bool> {
    core_.store->markAttachmentSent(h);
    return true;
  });
  if (!r) return r.error();
  return {};
}

Result<std::vector<Attachments::Wanted>> Attachments::wanted() {
  return core_.query<std::vector<Wanted>>([&]() -> Result<std::vector<Wanted>> {
    std::vector<Wanted> out;
    for (const auto& [h, held] : core_.store->attachmentsWanted()) out.push_back({h, held});
    return out;
  });
}

Status Attachments::receive(const sync::Hash& h, std::string_view type, std::uint64_t size, std::uint64_t offset,
                            std::string_view data) {
  auto r = core_.command<bool>([&]() -> Result<bool> {
    if (size > kMaxAttachmentBytes || offset + data.size() > size || (type != "image/png" && type != "image/jpeg"))
      return sync::fail(Errc::malformed, "the server sent a piece of attachment " + attachmentRef(h) +
                                             " that does not fit (" + std::to_string(offset) + "+" +
                                             std::to_string(data.size()) + " of " + std::to_string(size) + " bytes)");
    if (!core_.store->appendAttachment(h, type, size, offset, data))
      return sync::fail(Errc::malformed, "the server sent attachment " + attachmentRef(h) + " from byte " +
                                             std::to_string(offset) + ", not from where this node stopped");
    if (offset + data.size() < size) return true;
    if (const auto whole = core_.store->attachmentBytes(h); whole && sync::sha256(*whole) == h) {
      const auto told = attachmentType("attachment", *whole);
      if (told && *told == type) return true;
    }
    core_.store->dropAttachment(h);
    return false;
  });
  if (!r) return r.error();
  if (!*r) return sync::fail(Errc::malformed, "attachment " + attachmentRef(h) + " arrived with bytes that do not match its hash or type");
  return {};
}

}  // namespace fieldsync::node
