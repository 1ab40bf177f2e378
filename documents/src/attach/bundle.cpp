#include "signflow/documents/bundle.hpp"

#include "signflow/documents/error.hpp"

#include <zlib.h>

#include <cstdint>
#include <limits>

namespace signflow::documents {

namespace {

void u16(std::string& out, std::uint32_t v) {
    out += static_cast<char>(v & 0xff);
    out += static_cast<char>((v >> 8) & 0xff);
}

void u32(std::string& out, std::uint32_t v) {
    u16(out, v & 0xffff);
    u16(out, v >> 16);
}

constexpr std::uint32_t utf8_names = 1u << 11;
constexpr std::uint32_t dos_date = (0u << 9) | (1u << 5) | 1u;  // 1980-01-01
constexpr std::uint32_t version = 20;                            // 2.0: stored entries

std::uint32_t crc_of(std::string const& bytes) {
    uLong crc = crc32(0L, Z_NULL, 0);
    std::size_t at = 0;
    while (at < bytes.size()) {  // crc32 takes an unsigned int length
        std::size_t n = std::min<std::size_t>(bytes.size() - at, 1u << 30);
        crc = crc32(crc, reinterpret_cast<Bytef const*>(bytes.data() + at), static_cast<uInt>(n));
        at += n;
    }
    return static_cast<std::uint32_t>(crc);
}

}  // namespace

std::string zip_stored(std::vector<BundleFile> const& files) {
    constexpr std::uint64_t limit = std::numeric_limits<std::uint32_t>::max();
    if (files.size() > 0xffff) throw DocumentError("too many files for one ZIP archive");
    std::string out, central;
    for (auto const& f : files) {
        if (f.name.empty() || f.name.size() > 0xffff) throw DocumentError("a ZIP entry needs a name of 1 to 65,535 bytes");
        if (out.size() + f.bytes.size() + f.name.size() + 30 > limit)
            throw DocumentError("the documents are too large for one ZIP archive (4 GiB)");
        auto const offset = static_cast<std::uint32_t>(out.size());
        auto const crc = crc_of(f.bytes);
        auto const size = static_cast<std::uint32_t>(f.bytes.size());
        auto const name = static_cast<std::uint32_t>(f.name.size());
        // local file header
        u32(out, 0x04034b50);
        u16(out, version);
        u16(out, utf8_names);
        u16(out, 0);  // stored
        u16(out, 0);  // time
        u16(out, dos_date);
        u32(out, crc);
        u32(out, size);
        u32(out, size);
        u16(out, name);
        u16(out, 0);  // no extra field
        out += f.name;
        out += f.bytes;
        // its central directory entry
        u32(central, 0x02014b50);
        u16(central, version);  // made by (MS-DOS attributes)
        u16(central, version);
        u16(central, utf8_names);
        u16(central, 0);
        u16(central, 0);
        u16(central, dos_date);
        u32(central, crc);
        u32(central, size);
        u32(central, size);
        u16(central, name);
        u16(central, 0);  // extra
        u16(central, 0);  // comment
        u16(central, 0);  // disk
        u16(central, 0);  // internal attributes
        u32(central, 0);  // external attributes
        u32(central, offset);
        central += f.name;
    }
    if (out.size() + central.size() + 22 > limit) throw DocumentError("the documents are too large for one ZIP archive (4 GiB)");
    auto const directory_at = static_cast<std::uint32_t>(out.size());
    out += central;
    u32(out, 0x06054b50);
    u16(out, 0);
    u16(out, 0);
    u16(out, static_cast<std::uint32_t>(files.size()));
    u16(out, static_cast<std::uint32_t>(files.size()));
    u32(out, static_cast<std::uint32_t>(central.size()));
    u32(out, directory_at);
    u16(out, 0);  // no comment
    return out;
}

}  // namespace signflow::documents
