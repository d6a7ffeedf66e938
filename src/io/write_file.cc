#include "io/write_file.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace borgscope {
namespace fs = std::filesystem;

void WriteFileOrThrow(const fs::path& path, std::string_view bytes) {
  const auto fail = [&path](std::string_view what, int error) {
    return IoError(fmt::format("cannot {} {}: {}", what, path.string(), std::strerror(error)));
  };
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw fail("create", errno);
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) {
      const int error = written < 0 ? errno : EIO;
      ::close(fd);
      throw fail("write", error);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  // NFS and some full file systems report a failed write only at close.
  if (::close(fd) != 0) throw fail("write", errno);
}

}  // namespace borgscope
