#include "node/key_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <fstream>

namespace fieldsync::node {

sync::Status writeKeyFile(const std::string& path, const sync::SigningKey& key, bool replace) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | (replace ? O_TRUNC : O_EXCL), 0600);
  if (fd < 0) return sync::fail(sync::Errc::internal, "cannot create the key file " + path);
  const std::string text = key.seedHex() + "\n";
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return sync::fail(sync::Errc::internal, "cannot write the key file " + path);
  return {};
}

sync::Result<sync::SigningKey> readKeyFile(const std::string& path) {
  std::ifstream in(path);
  std::string hex;
  if (!(in >> hex)) return sync::fail(sync::Errc::internal, "cannot read the key file " + path);
  auto key = sync::SigningKey::fromSeedHex(hex);
  if (!key) return sync::fail(sync::Errc::internal, path + " does not hold a key");
  return key;
}

}  // namespace fieldsync::node
