#include "sync/result.h"

namespace fieldsync::sync {

const char* toString(Errc code) {
  switch (code) {
    case Errc::invalid_input: return "invalid input";
    case Errc::refused: return "refused";
    case Errc::not_found: return "not found";
    case Errc::malformed: return "malformed";
    case Errc::unavailable: return "unavailable";
    case Errc::denied: return "denied";
    case Errc::internal: return "internal error";
  }
  return "unknown error";
}

}  // namespace fieldsync::sync
