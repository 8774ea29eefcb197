#pragma once

// What sshd's StrictModes checks, for a daemon that may run as root: a file
// or directory it trusts must be one that nobody but root and the daemon's
// own user can change, or replace.

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace mw {

// Why `file` (a configuration, an accounts file, ...) cannot be trusted by
// a daemon running as `uid`, or "" when it can: it must be owned by root or
// `uid` and writable by nobody else (no group or other write bit). A file
// that does not exist is not this check's business ("").
std::string untrusted_file_reason(const std::filesystem::path& file, uid_t uid);

// Why `directory` (the state directory) cannot be trusted, or "" when it
// can: it, or the nearest part of it that exists, must be owned by root or
// `uid` and writable by nobody else; every parent up to / must be owned by
// root or `uid` and not writable by others, unless it has the sticky bit
// (/tmp) and the component below it is owned by root or `uid` (then nobody
// else can replace that component). Relative paths are taken from the
// current directory; symbolic links in the path are checked where they
// stand and where they lead.
std::string untrusted_directory_reason(const std::filesystem::path& directory, uid_t uid);

}  // namespace mw
