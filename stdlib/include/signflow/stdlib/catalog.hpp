#pragma once
// The standard catalog: what a workflow can name without declaring it.
// Stock templates (`nda`, `service_agreement`, `invoice`) with their fields
// and conditional sections, the expression functions, the verification
// methods (`sms`, `email`), and the IANA time zones of the OS database.
// Connectors come from the daemon's configuration: set them when one is given.
#include "signflow/dsl/catalog.hpp"

#include <optional>
#include <string>
#include <vector>

namespace signflow::stdlib {

std::vector<dsl::TemplateSpec> const& stock_templates();
std::vector<dsl::FunctionSpec> const& functions();

// Not final: the `signflow` binary extends it to read PDF templates
// (load_template), which this library, like the compiler, cannot.
class StandardCatalog : public dsl::Catalog {
public:
    StandardCatalog() = default;
    explicit StandardCatalog(std::vector<std::string> configured_connectors);

    dsl::TemplateSpec const* find_template(std::string_view name) const override;
    std::vector<std::string> template_names() const override;
    dsl::FunctionSpec const* find_function(std::string_view name) const override;
    std::vector<std::string> function_names() const override;
    std::vector<std::string> verification_methods() const override;
    bool is_time_zone(std::string_view name) const override;
    std::optional<std::vector<std::string>> connectors() const override;

private:
    std::optional<std::vector<std::string>> connectors_;
};

}  // namespace signflow::stdlib
