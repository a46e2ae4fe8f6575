// The node store's attachments: content-addressed bytes and the facts that
// refer to them (node/attachments.h).
#include "node/internal/store_impl.h"

namespace fieldsync::node {
namespace {

sync::Hash hashAt(const Stmt& s, int col) {
  const std::string b = s.blob(col);
  sync::Hash h{};
  if (b.size() != h.size()) throw StoreError("an attachment's hash is not 32 bytes");
  std::copy(b.begin(), b.end(), h.begin());
  return h;
}

Store::StoredAttachment attachmentAt(const Stmt& s) {
  return {hashAt(s, 0), s.text(1), static_cast<std::uint64_t>(s.i64(2)), static_cast<std::uint64_t>(s.i64(3)),
          s.i64(4) != 0, s.i64(5) != 0};
}

}  // namespace

void Store::putAttachment(const sync::Hash& h, std::string_view type, std::string_view bytes) {
  Stmt& s = impl_->db.stmt(
      "INSERT INTO attachments(hash, type, size, data, own) VALUES(?1, ?2, ?3, ?4, 1) "
      "ON CONFLICT(hash) DO UPDATE SET own = 1, type = excluded.type, size = excluded.size, data = excluded.data "
      "WHERE length(attachments.data) < attachments.size");
  Query q(s, h, type, static_cast<std::int64_t>(bytes.size()));
  s.bindBlob(4, bytes);
  q.run();
}

std::vector<Store::StoredAttachment> Store::attachments() {
  Query q(impl_->db.stmt("SELECT hash, type, size, length(data), own, sent FROM attachments ORDER BY hash"));
  std::vector<StoredAttachment> out;
  while (q.step()) out.push_back(attachmentAt(q.row()));
  return out;
}

std::optional<Store::StoredAttachment> Store::attachment(const sync::Hash& h) {
  Query q(impl_->db.stmt("SELECT hash, type, size, length(data), own, sent FROM attachments WHERE hash = ?"), h);
  if (!q.step()) return std::nullopt;
  return attachmentAt(q.row());
}

std::optional<std::string> Store::attachmentBytes(const sync::Hash& h) {
  Query q(impl_->db.stmt("SELECT data FROM attachments WHERE hash = ? AND length(data) = size"), h);
  if (!q.step()) return std::nullopt;
  return q->blob(0);
}

bool Store::appendAttachment(const sync::Hash& h, std::string_view type, std::uint64_t size, std::uint64_t offset,
                             std::string_view data) {
  if (offset == 0) {
    Stmt& s = impl_->db.stmt(
        "INSERT INTO attachments(hash, type, size, data, own) VALUES(?1, ?2, ?3, ?4, 0) "
        "ON CONFLICT(hash) DO UPDATE SET type = excluded.type, size = excluded.size, data = excluded.data "
        "WHERE length(attachments.data) = 0");
    Query q(s, h, type, static_cast<std::int64_t>(size));
    s.bindBlob(4, data);
    q.run();
    return impl_->db.changes() > 0;
  }
  Stmt& s = impl_->db.stmt(
      "UPDATE attachments SET data = data || ?1 WHERE hash = ?2 AND length(data) = ?3 AND size = ?4 AND type = ?5");
  Query q(s, std::nullopt, h, static_cast<std::int64_t>(offset), static_cast<std::int64_t>(size), type);
  s.bindBlob(1, data);
  q.run();
  return impl_->db.changes() > 0;
}

void Store::dropAttachment(const sync::Hash& h) {
  Query(impl_->db.stmt("DELETE FROM attachments WHERE hash = ?"), h).run();
}

void Store::markAttachmentSent(const sync::Hash& h) {
  Query(impl_->db.stmt("UPDATE attachments SET sent = 1 WHERE hash = ?"), h).run();
}

void Store::addAttachmentRef(const sync::Hash& h, const sync::OpId& op, const Id& entity) {
  Query(impl_->db.stmt("INSERT OR IGNORE INTO attachment_refs(hash, node, seq, entity) VALUES(?, ?, ?, ?)"), h, op.node,
        op.seq, entity)
      .run();
}

std::vector<std::pair<sync::Hash, Id>> Store::attachmentRefs() {
  Query q(impl_->db.stmt("SELECT DISTINCT hash, entity FROM attachment_refs ORDER BY hash, entity"));
  std::vector<std::pair<sync::Hash, Id>> out;
  while (q.step()) out.emplace_back(hashAt(q.row(), 0), q->id(1));
  return out;
}

std::vector<sync::Hash> Store::attachmentsToSend(const Id& self, std::uint64_t acked) {
  Query q(impl_->db.stmt("SELECT hash FROM attachments a WHERE own = 1 AND sent = 0 AND EXISTS "
                         "(SELECT 1 FROM attachment_refs r WHERE r.hash = a.hash AND r.node = ? AND r.seq <= ?) "
                         "ORDER BY hash"),
          self, static_cast<std::int64_t>(acked));
  std::vector<sync::Hash> out;
  while (q.step()) out.push_back(hashAt(q.row(), 0));
  return out;
}

std::vector<std::pair<sync::Hash, std::uint64_t>> Store::attachmentsWanted() {
  Query q(impl_->db.stmt("SELECT DISTINCT r.hash, coalesce(length(a.data), 0) FROM attachment_refs r "
                         "LEFT JOIN attachments a ON a.hash = r.hash "
                         "WHERE a.hash IS NULL OR length(a.data) < a.size ORDER BY r.hash"));
  std::vector<std::pair<sync::Hash, std::uint64_t>> out;
  while (q.step()) out.emplace_back(hashAt(q.row(), 0), static_cast<std::uint64_t>(q->i64(1)));
  return out;
}

void Store::forgetAttachmentsOfOthers() {
  impl_->db.exec("DELETE FROM attachments WHERE own = 0 AND hash NOT IN (SELECT hash FROM attachment_refs)");
}

}  // namespace fieldsync::node
