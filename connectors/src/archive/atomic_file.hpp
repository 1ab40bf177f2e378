#pragma once
// Files that are either there whole or not at all, even across a power
// loss: written to a temporary name in the same folder, fsynced, renamed
// over the final name, and the folder fsynced so the rename itself is on
// disk. Failures throw std::system_error naming the path.
#include <filesystem>
#include <string_view>

namespace signflow::connectors::archive {

// Creates `relative` below `root` (which must exist) folder by folder,
// fsyncing each parent of a folder it created.
void make_folders(std::filesystem::path const& root, std::filesystem::path const& relative);

// Writes `bytes` to folder/name atomically, but does not fsync the folder:
// call sync_folder once after the last rename.
void write_file(std::filesystem::path const& folder, std::string const& name, std::string_view bytes);

void sync_folder(std::filesystem::path const& folder);

// Removes the temporary files an interrupted write of folder/PREFIX* left.
void remove_leftovers(std::filesystem::path const& folder, std::string const& prefix);

}  // namespace signflow::connectors::archive
