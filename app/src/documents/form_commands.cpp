// `signflow fields TEMPLATE` and `signflow fill TEMPLATE --data DATA.json -o
// OUT.pdf`: the template author's tools, outside any workflow. TEMPLATE is a
// PDF file or `stdlib:NAME`. Problems with the template or the data (a field
// it lacks, a value of the wrong type) are input errors: exit 2 with the
// library's message, which names the field.
#include "commands.hpp"
#include "documents/template_source.hpp"
#include "files.hpp"

#include "signflow/documents/form.hpp"
#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/render.hpp"
#include "signflow/stdlib/catalog.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

namespace signflow::app {

namespace {

namespace documents = signflow::documents;

struct FieldsOptions {
    std::string source;
    std::string format = "human";
};

struct FillOptions {
    std::string source;
    std::string data;
    std::string output;
    std::vector<std::string> hide;
    std::vector<std::string> show;
};

std::string joined(std::vector<std::string> const& items, char const* separator = ", ") {
    std::string out;
    for (auto const& i : items) out += (out.empty() ? "" : separator) + i;
    return out;
}

documents::TemplateInfo describe_template(std::string const& source) {
    try {
        return documents::describe(template_bytes(source));
    } catch (documents::DocumentError const& e) {
        throw InputError(source + ": " + e.what());
    }
}

// Who fills a field of template `t`: the workflow (`name = value`), a
// signer (`field name from ROLE: TYPE`; an initials field NAME fills the
// PDF's NAME.1, NAME.2, …), or no one.
struct FilledBy {
    std::string by = "-";  // workflow | ROLE | -
    ir::SignerField const* asked = nullptr;
};

FilledBy filled_by(ir::Template const& t, std::string const& field) {
    for (auto const& f : t.fields)
        if (f.name == field) return {"workflow", nullptr};
    for (auto const& f : t.signer_fields)
        if (f.name == field || (f.type == "initials" && field.starts_with(f.name + ".")))
            return {f.from, &f};
    return {};
}

std::string asked_as(ir::SignerField const& f) {
    std::string out = f.type;
    if (!f.options.empty()) out += " [" + joined(f.options) + "]";
    if (f.min) out += " min " + std::to_string(*f.min);
    if (f.max) out += " max " + std::to_string(*f.max);
    if (!f.pattern.empty()) out += " matching \"" + f.pattern + "\"";
    if (!f.label.empty()) out += " label \"" + f.label + "\"";
    if (f.required) out += ", required";
    if (f.when) out += ", when " + ir::to_text(*f.when);
    if (f.at.size() == 5)
        out += ", placed at (" + std::to_string(f.at[1]) + ", " + std::to_string(f.at[2]) + ", " +
               std::to_string(f.at[3]) + ", " + std::to_string(f.at[4]) + ")";
    return out;
}

// `signflow fields WORKFLOW.flow`: each template the workflow fills, its
// fields, and who fills each (the workflow, or the signer asked for it).
int run_workflow_fields(FieldsOptions const& o) {
    auto catalog = make_catalog("");
    dsl::SourceFile source(o.source, read_file(o.source));
    auto result = dsl::compile(source, *catalog);
    std::cerr << dsl::render_human(source, result.diagnostics.all());
    if (!result.workflow) return exit_findings;
    auto const folder = std::filesystem::path(o.source).parent_path();
    nlohmann::json out = nlohmann::json::array();
    for (auto const& t : result.workflow->templates) {
        std::string spec = t.source;
        if (!spec.starts_with("stdlib:") && std::filesystem::path(spec).is_relative()) spec = (folder / spec).string();
        auto info = describe_template(spec);
        nlohmann::json fields = nlohmann::json::array();
        for (auto const& f : info.fields) {
            if (f.type == documents::FieldType::signature || f.type == documents::FieldType::button) continue;
            auto who = filled_by(t, f.name);
            nlohmann::json j = {{"name", f.name}, {"type", documents::to_string(f.type)}, {"page", f.page},
                                {"filled_by", who.by}};
            if (who.asked) j["asked_as"] = asked_as(*who.asked);
            fields.push_back(std::move(j));
        }
        // The fields the template places (made at fill time: not in the PDF).
        for (auto const& f : t.signer_fields)
            if (f.at.size() == 5)
                fields.push_back({{"name", f.name}, {"type", "text"}, {"page", f.at[0]}, {"filled_by", f.from},
                                  {"asked_as", asked_as(f)}});
        out.push_back({{"template", t.name}, {"source", t.source}, {"fields", std::move(fields)}});
    }
    if (o.format == "json") {
        std::cout << nlohmann::json{{"workflow", result.workflow->name}, {"templates", out}}.dump(
                         2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
        return exit_ok;
    }
    std::cout << "workflow " << result.workflow->name << "\n";
    for (auto const& t : out) {
        std::size_t name_w = 4, type_w = 4, by_w = 9;
        for (auto const& f : t["fields"]) {
            name_w = std::max(name_w, f["name"].get<std::string>().size());
            type_w = std::max(type_w, f["type"].get<std::string>().size());
            by_w = std::max(by_w, f["filled_by"].get<std::string>().size());
        }
        std::cout << "\ntemplate " << t["template"].get<std::string>() << " (" << t["source"].get<std::string>()
                  << ")\n\n";
        std::cout << std::left << std::setw(static_cast<int>(name_w) + 2) << "NAME"
                  << std::setw(static_cast<int>(type_w) + 2) << "TYPE" << std::setw(6) << "PAGE"
                  << std::setw(static_cast<int>(by_w) + 2) << "FILLED BY" << "ASKED AS\n";
        for (auto const& f : t["fields"]) {
            std::ostringstream line;
            line << std::left << std::setw(static_cast<int>(name_w) + 2) << f["name"].get<std::string>()
                 << std::setw(static_cast<int>(type_w) + 2) << f["type"].get<std::string>() << std::setw(6)
                 << (f["page"].get<int>() ? std::to_string(f["page"].get<int>()) : "-")
                 << std::setw(static_cast<int>(by_w) + 2) << f["filled_by"].get<std::string>()
                 << f.value("asked_as", "");
            std::string s = line.str();
            s.erase(s.find_last_not_of(' ') + 1);
            std::cout << s << "\n";
        }
    }
    return exit_ok;
}

int run_fields(FieldsOptions const& o) {
    if (o.source.ends_with(".flow")) return run_workflow_fields(o);
    auto info = describe_template(o.source);
    if (o.format == "json") {
        nlohmann::json fields = nlohmann::json::array(), sections = nlohmann::json::array();
        for (auto const& f : info.fields)
            fields.push_back({{"name", f.name},
                              {"type", documents::to_string(f.type)},
                              {"options", f.options},
                              {"page", f.page},
                              {"section", f.section.empty() ? nlohmann::json() : nlohmann::json(f.section)},
                              {"value", f.value},
                              {"read_only", f.read_only},
                              {"max_length", f.max_length ? nlohmann::json(f.max_length) : nlohmann::json()}});
        for (auto const& s : info.sections)
            sections.push_back({{"name", s.name}, {"pages", s.pages}, {"fields", s.fields}});
        nlohmann::json out = {{"template", o.source}, {"pages", info.pages}, {"fields", fields}, {"sections", sections}};
        std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        return exit_ok;
    }
    std::size_t name_w = 4, type_w = 4, section_w = 7;
    for (auto const& f : info.fields) {
        name_w = std::max(name_w, f.name.size());
        type_w = std::max(type_w, documents::to_string(f.type).size());
        section_w = std::max(section_w, f.section.size());
    }
    std::cout << o.source << ": " << info.pages << " page" << (info.pages == 1 ? "" : "s") << ", "
              << info.fields.size() << " field" << (info.fields.size() == 1 ? "" : "s") << ", "
              << info.sections.size() << " section" << (info.sections.size() == 1 ? "" : "s") << "\n\n";
    std::cout << std::left << std::setw(static_cast<int>(name_w) + 2) << "NAME" << std::setw(static_cast<int>(type_w) + 2)
              << "TYPE" << std::setw(6) << "PAGE" << std::setw(static_cast<int>(section_w) + 2) << "SECTION"
              << "OPTIONS\n";
    for (auto const& f : info.fields) {
        std::string options = joined(f.options);
        if (f.read_only) options += std::string(options.empty() ? "" : "; ") + "read-only";
        std::ostringstream line;
        line << std::left << std::setw(static_cast<int>(name_w) + 2) << f.name << std::setw(static_cast<int>(type_w) + 2)
             << documents::to_string(f.type) << std::setw(6) << (f.page ? std::to_string(f.page) : "-")
             << std::setw(static_cast<int>(section_w) + 2) << (f.section.empty() ? "-" : f.section) << options;
        std::string s = line.str();
        s.erase(s.find_last_not_of(' ') + 1);
        std::cout << s << "\n";
    }
    if (!info.sections.empty()) {
        std::cout << "\nsections (hidden: removed from the filled document)\n";
        for (auto const& s : info.sections) {
            std::vector<std::string> pages;
            for (int p : s.pages) pages.push_back(std::to_string(p));
            std::cout << "  " << s.name << ": ";
            if (!pages.empty()) std::cout << "page" << (pages.size() == 1 ? " " : "s ") << joined(pages) << "; ";
            std::cout << (s.fields.empty() ? "no fields" : "fields " + joined(s.fields)) << "\n";
        }
    }
    return exit_ok;
}

int run_fill(FillOptions const& o) {
    std::string pdf = template_bytes(o.source);
    nlohmann::json data;
    try {
        data = nlohmann::json::parse(read_file(o.data));
    } catch (nlohmann::json::parse_error const& e) {
        throw InputError(o.data + ": not JSON: " + e.what());
    }
    if (!data.is_object()) throw InputError(o.data + ": the data must be a JSON object of field names and values");
    documents::FillRequest request;
    // The data's "sections" key says which sections show ({"payment": false});
    // --hide and --show on the command line override it.
    if (auto it = data.find("sections"); it != data.end()) {
        if (!it->is_object()) throw InputError(o.data + ": \"sections\" must be an object of section names and true/false");
        for (auto const& [name, shown] : it->items()) {
            if (!shown.is_boolean()) throw InputError(o.data + ": section `" + name + "` must be true or false");
            request.sections[name] = shown.get<bool>();
        }
        data.erase(it);
    }
    for (auto const& s : o.hide) request.sections[s] = false;
    for (auto const& s : o.show) request.sections[s] = true;
    request.values = std::move(data);
    documents::FilledDocument filled;
    try {
        filled = documents::fill(pdf, request);
    } catch (documents::DocumentError const& e) {
        throw InputError(o.source + ": " + e.what());
    }
    write_file_atomically(o.output, filled.pdf);
    std::cerr << "filled " << o.source << " -> " << o.output << " (sha256 " << filled.sha256 << ")";
    if (!filled.removed_sections.empty()) std::cerr << "; removed sections: " << joined(filled.removed_sections);
    std::cerr << "\n";
    return exit_ok;
}

}  // namespace

void add_form_commands(CLI::App& app, Runner& run) {
    auto fields = std::make_shared<FieldsOptions>();
    auto* fields_cmd = app.add_subcommand(
        "fields", "List a PDF template's fields and sections, or who fills each field of a workflow's templates");
    fields_cmd
        ->add_option("template", fields->source,
                     "A PDF form, stdlib:NAME for a stock template, or a workflow (.flow): who fills what")
        ->required();
    fields_cmd->add_option("--format", fields->format, "human (default) or json")
        ->check(CLI::IsMember({"human", "json"}));
    fields_cmd->callback([fields, &run] { run = [fields] { return run_fields(*fields); }; });

    auto fill = std::make_shared<FillOptions>();
    auto* fill_cmd = app.add_subcommand("fill", "Fill a PDF template from JSON data, outside any workflow");
    fill_cmd->add_option("template", fill->source, "A PDF form, or stdlib:NAME for a stock template")->required();
    fill_cmd->add_option("--data", fill->data,
                         "A JSON object: field name -> value; its \"sections\" key may map sections to true/false")
        ->required();
    fill_cmd->add_option("-o,--output", fill->output, "The filled PDF")->required();
    fill_cmd->add_option("--hide", fill->hide, "A section to remove; repeatable");
    fill_cmd->add_option("--show", fill->show, "A section to keep even when the data hides it; repeatable");
    fill_cmd->callback([fill, &run] { run = [fill] { return run_fill(*fill); }; });
}

}  // namespace signflow::app
