#include "node/key_file.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace fieldsync::node {

namespace {
// A string that holds a secret, wiped when it goes.
struct Wiped {
  std::string text;
  ~Wiped() { sodium_memzero(text.data(), text.size()); }
};

sync::Error fileError(std::string what, const std::string& path) {
  return sync::fail(sync::Errc::internal, what + " " + path + ": " + std::strerror(errno));
}
}  // namespace

sync::Status writeKeyFile(const std::string& path, const sync::SigningKey& key, bool replace) {
  // Written whole under a new name (mode 0600, never through a link), then
  // put in place: a crash leaves the old key or the new one, never half.
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return fileError("cannot create a key file beside", path);
  const Wiped text{key.seedHex() + "\n"};
  const bool written = ::fchmod(fd, 0600) == 0 &&
                       ::write(fd, text.text.data(), text.text.size()) == static_cast<ssize_t>(text.text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  const bool placed = written && (replace ? ::rename(temp.c_str(), path.c_str()) : ::link(temp.c_str(), path.c_str())) == 0;
  const int why = errno;
  ::unlink(temp.c_str());  // after rename it is gone already
  if (!placed) {
    errno = why;
    if (why == EEXIST) return sync::fail(sync::Errc::refused, "the key file " + path + " exists already");
    return fileError("cannot write the key file", path);
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  if (const int d = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); d >= 0) {
    ::fsync(d);
    ::close(d);
  }
  return {};
}

sync::Result<sync::SigningKey> readKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  // What is wrong with the key file is for the user to fix (exit 3), not a bug.
  if (fd < 0)
    return sync::fail(sync::Errc::refused, "cannot read the key file " + path + ": " + std::strerror(errno) +
                                               " (restore it from a backup, or enroll this device again)");
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return sync::fail(sync::Errc::refused, "the key file " + path + " is not a file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return sync::fail(sync::Errc::refused, "the key file " + path + " may be read by others (mode " +
                                               std::to_string((st.st_mode >> 6) & 7) + std::to_string((st.st_mode >> 3) & 7) +
                                               std::to_string(st.st_mode & 7) + "): run chmod 600 on it");
  }
  Wiped text{std::string(128, '\0')};
  const ssize_t n = ::read(fd, text.text.data(), text.text.size());
  ::close(fd);
  const sync::Error damaged{sync::Errc::refused,
                            "the key file " + path + " does not hold a key (damaged?): restore it from a backup"};
  if (n < 64) return damaged;
  auto key = sync::SigningKey::fromSeedHex(std::string_view(text.text).substr(0, 64));
  if (!key) return damaged;
  return key;
}

}  // namespace fieldsync::node
