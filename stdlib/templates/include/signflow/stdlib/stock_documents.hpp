#pragma once
// The PDFs of the stock templates (`nda`, `service_agreement`, `invoice`),
// compiled into the library. The build makes them from
// stdlib/templates/<name>.json (make_template.cpp); their fields and sections
// match the specs the checker uses (stdlib::stock_templates()), which a test
// holds them to. A separate library from signflow_stdlib so that the
// compiler's catalog does not carry PDF bytes it never reads.
#include <optional>
#include <string_view>
#include <vector>

namespace signflow::stdlib {

// The PDF of stock template `name` ("nda"), or nullopt when there is none.
std::optional<std::string_view> stock_document(std::string_view name);

// The names of all stock documents, in build order.
std::vector<std::string_view> stock_document_names();

}  // namespace signflow::stdlib
