// Attachments: the images a fact refers to by hash (the signature or photo
// of a proof of delivery, a customer's sign-off), stored content-addressed
// in the node beside the op log and synced with the ops that refer to them
// (docs/protocol.md, "Attachments"; docs/data-model.md, "Attachments").
//
// A reference is "sha256:" and the 64 lower-case hex digits of the SHA-256
// of the bytes. A fact's proof field that holds a reference names an
// attachment; any other text there stays plain text. A command that takes
// an image (Shipments::track, Cases::signOff) stores it in its own
// transaction. Only PNG and JPEG images (told by their first bytes), of at
// most kMaxAttachmentBytes. Borrows the Node.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "node/node.h"
#include "sync/crypto.h"

namespace fieldsync::node {

constexpr std::size_t kMaxAttachmentBytes = 4u << 20;

std::string attachmentRef(const sync::Hash& sha256);
std::optional<sync::Hash> attachmentHash(std::string_view ref);  // none: not a reference
std::optional<sync::Hash> attachmentOf(const sync::Op& op);      // the attachment a fact refers to, if any
// "image/png" or "image/jpeg", or an error naming `field`: not such an
// image, empty, or larger than kMaxAttachmentBytes.
Result<std::string> attachmentType(std::string_view field, std::string_view bytes);

struct AttachmentRow {
  std::string ref, type;               // type: empty while nothing of it is held
  std::uint64_t size = 0, held = 0;    // bytes; held < size: a download under way, or not begun
  bool own = false;                    // made on this node
  bool sent = false;                   // own: the server holds all of it
  std::vector<std::string> used_by;    // the numbers of the cases and shipments whose facts refer to it
};

class Attachments {
 public:
  explicit Attachments(Node& node);

  Result<std::vector<AttachmentRow>> list();       // every one held or referred to, by reference
  Result<std::string> bytes(std::string_view ref);  // Errc::not_found unless wholly held

  // For the sync client (node/sync_client.cpp).
  // Own attachments the server does not hold yet, referred to by own ops
  // at or below `acked` (the server refuses others).
  Result<std::vector<sync::Hash>> toSend(std::uint64_t acked);
  Status markSent(const sync::Hash& h);
  // Referred to by facts held here but not wholly held, with the bytes held so far.
  struct Wanted {
    sync::Hash hash{};
    std::uint64_t held = 0;
  };
  Result<std::vector<Wanted>> wanted();
  // Appends a piece of a download at `offset` (which must be what is held).
  // The last piece completes it: the bytes must hash to `h` and be of
  // `type`, else what was held is discarded and Errc::malformed returned.
  Status receive(const sync::Hash& h, std::string_view type, std::uint64_t size, std::uint64_t offset,
                 std::string_view data);

 private:
  Node::Core& core_;
};

}  // namespace fieldsync::node
