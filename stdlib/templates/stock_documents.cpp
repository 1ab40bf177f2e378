// Lookup of the generated stock PDFs by name.
#include "signflow/stdlib/stock_documents.hpp"

#include "stock_documents_data.hpp"

namespace signflow::stdlib {

std::optional<std::string_view> stock_document(std::string_view name) {
    for (std::size_t i = 0; i < stock_data::document_count; ++i)
        if (name == stock_data::documents[i].name)
            return std::string_view(reinterpret_cast<char const*>(stock_data::documents[i].bytes),
                                    stock_data::documents[i].size);
    return std::nullopt;
}

std::vector<std::string_view> stock_document_names() {
    std::vector<std::string_view> names;
    for (std::size_t i = 0; i < stock_data::document_count; ++i) names.push_back(stock_data::documents[i].name);
    return names;
}

}  // namespace signflow::stdlib
