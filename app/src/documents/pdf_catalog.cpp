#include "documents/pdf_catalog.hpp"

#include "files.hpp"

#include "signflow/documents/form.hpp"

#include <filesystem>

namespace signflow::app {

dsl::TemplateSpec template_spec(std::string const& name, std::string_view pdf) {
    namespace documents = signflow::documents;
    auto info = documents::describe(pdf);
    dsl::TemplateSpec spec;
    spec.name = name;
    for (auto const& f : info.fields) {
        dsl::FieldSpec fs;
        fs.name = f.name;
        switch (f.type) {
        case documents::FieldType::text:
            fs.type = dsl::Type::string;
            fs.free_text = true;
            fs.max_length = f.max_length;
            break;
        case documents::FieldType::checkbox: fs.type = dsl::Type::boolean; break;
        case documents::FieldType::radio:
        case documents::FieldType::choice:
            fs.type = dsl::Type::string;
            fs.options = f.options;
            break;
        case documents::FieldType::signature:
        case documents::FieldType::button: continue;  // signed or pressed, never filled
        }
        spec.fields.push_back(std::move(fs));
    }
    for (auto const& s : info.sections) spec.sections.push_back(s.name);
    spec.pages = info.pages;
    return spec;
}

dsl::TemplateSpec const* PdfTemplateCatalog::load_template(std::string const& given, std::string& error) const {
    std::string const path =
        base_.empty() || std::filesystem::path(given).is_absolute() ? given : (base_ / given).lexically_normal().string();
    std::lock_guard lock(mutex_);
    auto [it, fresh] = loaded_.try_emplace(path);
    Loaded& entry = it->second;
    if (fresh) {
        std::error_code ec;
        if (!std::filesystem::is_regular_file(path, ec)) {
            entry.error = "no such file";
        } else {
            try {
                entry.spec = std::make_unique<dsl::TemplateSpec>(template_spec(path, read_file(path)));
            } catch (documents::DocumentError const& e) {
                entry.error = e.what();
            } catch (InputError const& e) {
                entry.error = e.what();
            }
        }
    }
    error = entry.error;
    return entry.spec.get();
}

}  // namespace signflow::app
