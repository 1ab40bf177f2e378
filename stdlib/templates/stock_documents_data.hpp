#pragma once
// The table make_template writes (stock_documents_data.cpp in the build tree).
#include <cstddef>

namespace signflow::stdlib::stock_data {

struct Document {
    char const* name;
    unsigned char const* bytes;
    std::size_t size;
};

extern Document const documents[];
extern std::size_t const document_count;

}  // namespace signflow::stdlib::stock_data
