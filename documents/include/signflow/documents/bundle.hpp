#pragma once
// Several documents as one download: a ZIP archive of stored (uncompressed)
// entries. PDFs are compressed already; storing them keeps the archive's
// bytes a plain function of its files (a fixed 1980-01-01 timestamp), so the
// same envelope always zips to the same bytes. UTF-8 names (flag bit 11), no
// ZIP64: an archive past 4 GiB, or of more than 65,535 files, is refused.
#include <string>
#include <utility>
#include <vector>

namespace signflow::documents {

struct BundleFile {
    std::string name;   // the entry's name (UTF-8; no folders)
    std::string bytes;
};

// Throws DocumentError past ZIP's 32-bit limits.
std::string zip_stored(std::vector<BundleFile> const& files);

}  // namespace signflow::documents
