#include "common/file_trust.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <vector>

namespace mw {
namespace {

std::string mode_text(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

bool owned_by_us(const struct stat& status, uid_t uid) {
  return status.st_uid == 0 || status.st_uid == uid;
}

bool writable_by_others(const struct stat& status) {
  return (status.st_mode & (S_IWGRP | S_IWOTH)) != 0;
}

std::optional<struct stat> lstat_of(const std::filesystem::path& path) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) != 0) return std::nullopt;
  return status;
}

// The checks along one chain of directories, from / down to `target` (the
// last element; it must exist).
std::string check_chain(const std::vector<std::filesystem::path>& chain, uid_t uid) {
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const auto status = lstat_of(chain[i]);
    if (!status) return "cannot inspect " + chain[i].string() + ": " + std::strerror(errno);
    const bool last = i + 1 == chain.size();
    if (!owned_by_us(*status, uid)) {
      return (last ? "" : "its parent ") + chain[i].string() + " is owned by uid " +
             std::to_string(status->st_uid) + ", not root or the daemon's user (uid " + std::to_string(uid) +
             ")";
    }
    if (S_ISLNK(status->st_mode)) continue;  // a link's own mode means nothing; where it leads is checked too
    if (last) {
      if (writable_by_others(*status))
        return chain[i].string() + " is writable by others (mode " + mode_text(status->st_mode) +
               "); run chmod go-w on it";
      continue;
    }
    if (!writable_by_others(*status)) continue;
    // Writable by others: only a sticky directory (/tmp) keeps them from
    // replacing what they do not own, and only if we own the next component.
    const auto next = lstat_of(chain[i + 1]);
    if ((status->st_mode & S_ISVTX) != 0 && next && owned_by_us(*next, uid)) continue;
    return "its parent " + chain[i].string() + " is writable by others without the sticky bit (mode " +
           mode_text(status->st_mode) + ")";
  }
  return "";
}

// `path` and every parent, from / down, stopping at the nearest part of
// `path` that exists (what is missing will be made by the daemon itself).
std::vector<std::filesystem::path> existing_chain(const std::filesystem::path& path) {
  std::vector<std::filesystem::path> chain;
  std::filesystem::path prefix;
  for (const auto& part : path.lexically_normal()) {
    if (part.empty()) continue;
    prefix /= part;
    if (!lstat_of(prefix)) break;
    chain.push_back(prefix);
  }
  return chain;
}

}  // namespace

std::string untrusted_file_reason(const std::filesystem::path& file, uid_t uid) {
  struct stat status {};
  if (::stat(file.c_str(), &status) != 0) return "";
  if (!owned_by_us(status, uid)) {
    return file.string() + " is owned by uid " + std::to_string(status.st_uid) +
           ", not root or the daemon's user (uid " + std::to_string(uid) + ")";
  }
  if (writable_by_others(status)) {
    return file.string() + " is writable by other users (mode " + mode_text(status.st_mode) +
           "); run chmod go-w on it";
  }
  return "";
}

std::string untrusted_directory_reason(const std::filesystem::path& directory, uid_t uid) {
  const std::filesystem::path absolute = std::filesystem::absolute(directory);
  if (auto reason = check_chain(existing_chain(absolute), uid); !reason.empty()) return reason;
  std::error_code error;
  const auto resolved = std::filesystem::weakly_canonical(absolute, error);
  if (error || resolved == absolute.lexically_normal()) return "";
  return check_chain(existing_chain(resolved), uid);
}

}  // namespace mw
