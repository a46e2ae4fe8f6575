// Key files: an Ed25519 seed in hex, one line, mode 0600. The node keeps
// its device key beside its database (FILE.key); the server keeps its own
// in DATA/server.key.
#pragma once

#include <string>

#include "sync/crypto.h"
#include "sync/result.h"

namespace fieldsync::node {

// `replace`: overwrite an existing file; otherwise refuse to.
sync::Status writeKeyFile(const std::string& path, const sync::SigningKey& key, bool replace);
sync::Result<sync::SigningKey> readKeyFile(const std::string& path);

}  // namespace fieldsync::node
