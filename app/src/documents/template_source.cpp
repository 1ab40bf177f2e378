#include "documents/template_source.hpp"

#include "files.hpp"

#include "signflow/stdlib/stock_documents.hpp"

#include <filesystem>

namespace signflow::app {

std::string template_bytes(std::string const& spec) {
    constexpr std::string_view stock = "stdlib:";
    if (spec.rfind(stock, 0) == 0) {
        std::string name = spec.substr(stock.size());
        if (auto pdf = stdlib::stock_document(name)) return std::string(*pdf);
        std::string names;
        for (auto n : stdlib::stock_document_names()) names += (names.empty() ? "" : ", ") + std::string(n);
        throw InputError("no stock template `" + name + "` (the stock templates: " + names + ")");
    }
    std::error_code ec;
    if (!std::filesystem::is_regular_file(spec, ec)) throw InputError(spec + ": no such file");
    return read_file(spec);
}

}  // namespace signflow::app
