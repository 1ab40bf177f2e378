// The `archive` kind: an envelope's final document and its evidence, filed
// below a root folder at the path the layout names, as NAME.pdf,
// NAME.audit.json and NAME.certificate.json (NAME: the layout's last part). Idempotent: a retry (after a crash, or because
// the document was not sealed yet) writes the same bytes to the same names,
// because the folder comes from the envelope's creation time, not the clock.
#include "archive/atomic_file.hpp"

#include "signflow/base/digest.hpp"
#include "archive/layout.hpp"
#include "builtin.hpp"

#include <cctype>
#include <openssl/evp.h>

#include <stdexcept>
#include <system_error>

namespace signflow::connectors {
namespace {
namespace fs = std::filesystem;

using signflow::base::sha256_hex;

class ArchiveConnector final : public engine::Connector {
public:
    ArchiveConnector(std::string name, fs::path root, archive::Layout layout, ArchiveSource source)
        : name_(std::move(name)), root_(std::move(root)), layout_(std::move(layout)), source_(std::move(source)) {}

    std::string const& name() const override { return name_; }

    engine::DeliveryResult deliver(engine::Delivery const& d) override {
        if (d.kind != "archive")
            return {false, true,
                    "archive connector " + name_ + " only files envelopes (`archive to " + name_ + "`), not `" +
                        d.kind + "`",
                    {}};
        ArchiveBundle bundle;
        try {
            bundle = source_(d.instance);
        } catch (std::exception const& e) {
            return {false, false, "archive " + name_ + ": envelope " + std::to_string(d.instance) + ": " + e.what(), {}};
        }
        if (!bundle.ready)
            return {false, false,
                    "archive " + name_ + ": envelope " + std::to_string(d.instance) + " is not ready to file" +
                        (bundle.why.empty() ? std::string() : ": " + bundle.why),
                    {}};
        std::error_code ec;
        if (!fs::is_directory(root_, ec))
            return {false, false,
                    "archive " + name_ + ": the root folder " + root_.string() +
                        " does not exist (create it: signflow does not, in case it is a mount point that is not "
                        "mounted)",
                    {}};
        std::string workflow = bundle.workflow.empty() ? d.workflow : bundle.workflow;
        // "{workflow}/{yyyy}/{mm}/{envelope}": the folder nda/2026/11, the
        // files 42.pdf, 42.audit.json and 42.certificate.json in it.
        fs::path const path = layout_.render({workflow, d.instance, bundle.created_ms});
        fs::path const relative = path.parent_path();
        fs::path const folder = root_ / relative;
        std::string const stem = path.filename().string();
        nlohmann::json files = nlohmann::json::array();
        try {
            archive::make_folders(root_, relative);
            archive::remove_leftovers(folder, stem + ".");
            if (!bundle.documents.empty()) {
                // Several documents: 42.order_form.pdf, 42.terms.pdf.
                for (auto const& doc : bundle.documents) {
                    // (template names are identifiers; anything else in a name becomes _)
                    std::string name = doc.name;
                    for (auto& c : name)
                        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-') c = '_';
                    archive::write_file(folder, stem + "." + name + ".pdf", doc.pdf);
                    files.push_back(stem + "." + name + ".pdf");
                }
            } else if (!bundle.pdf.empty()) {
                archive::write_file(folder, stem + ".pdf", bundle.pdf);
                files.push_back(stem + ".pdf");
            }
            archive::write_file(folder, stem + ".audit.json", bundle.audit.dump(2) + "\n");
            files.push_back(stem + ".audit.json");
            archive::write_file(folder, stem + ".certificate.json", bundle.certificate.dump(2) + "\n");
            files.push_back(stem + ".certificate.json");
            archive::sync_folder(folder);
        } catch (std::exception const& e) {
            return {false, false, "archive " + name_ + ": " + e.what(), {}};
        }
        nlohmann::json detail = {{"folder", relative.generic_string()}, {"files", files}};
        if (!bundle.documents.empty()) {
            nlohmann::json hashes = nlohmann::json::object();
            for (auto const& doc : bundle.documents) hashes[doc.name] = sha256_hex(doc.pdf);
            detail["pdf_sha256"] = std::move(hashes);
        } else if (!bundle.pdf.empty()) {
            detail["pdf_sha256"] = sha256_hex(bundle.pdf);
        }
        return {true, false, {}, detail};
    }

private:
    std::string name_;
    fs::path root_;
    archive::Layout layout_;
    ArchiveSource source_;
};

}  // namespace

std::unique_ptr<engine::Connector> make_archive_connector(ConnectorSpec const& spec, Services const& services) {
    std::string const prefix = ": connector `" + spec.name + "` (archive): ";
    for (auto const& [key, value] : spec.settings.items())
        if (key != "path" && key != "layout" && key != "retention")
            throw ConfigError(spec.at(key).text() + prefix + "unknown setting `" + key +
                              "` (known: path, layout, retention)");
    auto const path = spec.settings.find("path");
    if (path == spec.settings.end())
        throw ConfigError(spec.where.text() + prefix + "`path` (the archive's root folder) is required");
    if (!path->is_string() || path->get<std::string>().empty())
        throw ConfigError(spec.at("path").text() + prefix + "`path` must be a non-empty string");
    fs::path root = path->get<std::string>();
    if (root.is_relative()) root = (fs::absolute(spec.where.file).parent_path() / root).lexically_normal();

    std::string layout_text = "{workflow}/{yyyy}/{mm}/{envelope}";
    if (auto layout = spec.settings.find("layout"); layout != spec.settings.end()) {
        if (!layout->is_string()) throw ConfigError(spec.at("layout").text() + prefix + "`layout` must be a string");
        layout_text = layout->get<std::string>();
    }
    std::optional<archive::Layout> layout;
    try {
        layout.emplace(layout_text);
    } catch (std::invalid_argument const& e) {
        throw ConfigError(spec.at("layout").text() + prefix + "`layout` " + e.what());
    }
    // Informational: signflow never deletes from an archive (see docs/connectors.md).
    if (auto retention = spec.settings.find("retention"); retention != spec.settings.end())
        duration_ms(*retention, "retention", spec.at("retention"));
    if (!services.archive)
        throw ConfigError(spec.where.text() + prefix + "this program cannot provide documents to archive");
    return std::make_unique<ArchiveConnector>(spec.name, root, std::move(*layout), services.archive);
}

}  // namespace signflow::connectors
