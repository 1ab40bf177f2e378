#pragma once
// Files that hold secrets: the sealing key, the one-time-code key, the first
// admin key (docs/security.md, "Files").
#include "files.hpp"

#include <filesystem>
#include <string>

namespace signflow::app {

// A new secret file (a key, a token) at `path`, readable by this user only
// from its first byte: written whole to a fresh temporary file (mkstemp:
// O_EXCL, mode 0600) beside it, then linked to `path`, which must not exist
// (link() neither replaces a file nor follows a symlink there), and the
// folder synced. Throws InputError naming the step that failed (EEXIST when
// something is already at `path`).
void write_secret_file(std::filesystem::path const& path, std::string const& text);

// Checks a secret file the daemon reads (a signing key, the one-time-code
// key), through symlinks: a regular file, owned by this user or root, with
// no access for others (a group may read it: keys deployed as root:signflow
// 0640). Throws InputError saying what is wrong and how to fix it (chmod
// 600): a key every user can read is no longer a secret.
void check_secret_file(std::filesystem::path const& path, std::string const& what);

}  // namespace signflow::app
