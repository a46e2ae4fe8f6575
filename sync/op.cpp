#include "sync/op.h"

#include <set>

namespace fieldsync::sync {

bool isValidUtf8(std::string_view text) {
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  while (i < text.size()) {
    const unsigned char c = byte(i);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { extra = 1; cp = c & 0x1Fu; }
    else if ((c & 0xF0) == 0xE0) { extra = 2; cp = c & 0x0Fu; }
    else if ((c & 0xF8) == 0xF0) { extra = 3; cp = c & 0x07u; }
    else return false;
    if (i + extra >= text.size()) return false;  // truncated sequence
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((byte(i + k) & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (byte(i + k) & 0x3Fu);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

Status validate(const Op& op) {
  if (op.id.seq == 0) return fail(Errc::invalid_input, "op seq must be >= 1");
  const auto type = static_cast<std::uint32_t>(op.entity_type);
  if (type == 0 || type > kMaxEntityType)
    return fail(Errc::invalid_input, "op entity_type " + std::to_string(type) + " is not a known entity type");
  if (static_cast<std::uint32_t>(op.fact) > kMaxFactKind)
    return fail(Errc::invalid_input, "op fact kind " + std::to_string(static_cast<std::uint32_t>(op.fact)) +
                                         " is not a known fact kind");
  if (!op.isFact() && op.fields.empty()) return fail(Errc::invalid_input, "a register write needs at least one field");
  std::set<FieldId> seen;
  for (const Field& f : op.fields) {
    if (f.id == 0) return fail(Errc::invalid_input, "field id 0 is not allowed (ids start at 1)");
    if (!seen.insert(f.id).second)
      return fail(Errc::invalid_input, "field " + std::to_string(f.id) + " appears twice in one op");
    if (const auto* text = std::get_if<std::string>(&f.value); text && !isValidUtf8(*text))
      return fail(Errc::invalid_input, "field " + std::to_string(f.id) + " text is not valid UTF-8");
  }
  return {};
}

}  // namespace fieldsync::sync
