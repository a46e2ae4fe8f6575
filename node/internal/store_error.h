// StoreError: how storage code reports SQLite failures inside fieldsync;
// caught at the API of the node and the server and turned into a Result.
#pragma once

#include <stdexcept>
#include <string>

namespace fieldsync::node {

struct StoreError : std::runtime_error {
  bool busy = false;  // another process holds the database: retry
  StoreError(const std::string& what, bool is_busy) : std::runtime_error(what), busy(is_busy) {}
};

}  // namespace fieldsync::node
