#pragma once
// The catalog the `signflow` binary compiles with: the standard one, plus
// PDF templates read from files (dsl::Catalog::load_template), so that
// `signflow check` reports a field or section a workflow's own PDF lacks with
// the file and line of the workflow. The compiler and the standard library
// know no PDF; this is where PoDoFo (through signflow_documents) meets them.
#include "signflow/stdlib/catalog.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace signflow::app {

class PdfTemplateCatalog : public stdlib::StandardCatalog {
public:
    using StandardCatalog::StandardCatalog;

    dsl::TemplateSpec const* load_template(std::string const& path, std::string& error) const override;

    // Where relative paths start. The daemon names rule files relative to
    // its rules folder, so their templates are found from there; `check`
    // passes paths as given on the command line and needs none.
    void set_base(std::filesystem::path base) { base_ = std::move(base); }

private:
    struct Loaded {
        std::unique_ptr<dsl::TemplateSpec> spec;  // nullptr when it could not be read
        std::string error;
    };
    // One read per file per process: `check examples/` names a PDF from
    // several workflows, and the daemon compiles on every reload.
    mutable std::mutex mutex_;
    mutable std::map<std::string, Loaded> loaded_;
    std::filesystem::path base_;
};

// The checker's view of a PDF form: fields a workflow can set (text, check
// boxes, radio groups, choices; not signatures, buttons or clause text a
// template fixes) and its sections.
dsl::TemplateSpec template_spec(std::string const& name, std::string_view pdf);

}  // namespace signflow::app
