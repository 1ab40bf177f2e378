#include "signflow/engine/rules.hpp"

#include "signflow/dsl/compile.hpp"
#include "signflow/dsl/ir_io.hpp"
#include "signflow/dsl/render.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace signflow::engine {
namespace fs = std::filesystem;

namespace {

std::string read_text(fs::path const& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

Rules::Rules(fs::path folder, dsl::Catalog const& catalog, Acceptor accept)
    : folder_(std::move(folder)), catalog_(catalog), accept_(std::move(accept)),
      snapshot_(std::make_shared<Snapshot const>()) {}

std::shared_ptr<Snapshot const> Rules::snapshot() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
}

DefinitionPtr Rules::version(std::string const& hash) const {
    std::lock_guard lock(mutex_);
    auto it = versions_.find(hash);
    return it == versions_.end() ? nullptr : it->second;
}

DefinitionPtr Rules::restore(std::string const& hash, std::string const& ir_json) {
    if (auto d = version(hash)) return d;
    // A version kept for the envelopes that run on it: it starts none, so
    // its templates' fields (for a start's checks) are not read.
    auto d = std::make_shared<Definition const>(ir::from_json(nlohmann::json::parse(ir_json)), hash);
    std::lock_guard lock(mutex_);
    return versions_.emplace(hash, d).first->second;
}

bool Rules::awaited(std::string const& event) const {
    std::lock_guard lock(mutex_);
    for (auto const& [hash, d] : versions_) {
        auto it = d->external_events().find(event);
        if (it != d->external_events().end() && !it->second.awaited_in.empty()) return true;
    }
    return false;
}

std::vector<std::string> Rules::known_events() const {
    std::set<std::string> names;
    std::lock_guard lock(mutex_);
    for (auto const& [event, defs] : snapshot_->starters) names.insert(event);
    for (auto const& [hash, d] : versions_)
        for (auto const& [event, x] : d->external_events())
            if (!x.awaited_in.empty()) names.insert(event);
    return {names.begin(), names.end()};
}

ReloadReport Rules::reload(std::int64_t now_ms) {
    std::lock_guard one_at_a_time(reload_mutex_);
    std::error_code ec;
    if (!fs::is_directory(folder_, ec))
        throw std::runtime_error("the rules folder " + folder_.string() + " is not a readable directory");

    std::vector<fs::path> paths;
    for (auto it = fs::recursive_directory_iterator(folder_, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec) && it->path().extension() == ".flow") paths.push_back(it->path());
    }
    if (ec) throw std::runtime_error("cannot list the rules folder " + folder_.string() + ": " + ec.message());
    std::sort(paths.begin(), paths.end());

    auto previous = snapshot();
    std::map<std::string, RuleFile const*> before;
    for (auto const& f : previous->files) before[f.path] = &f;

    auto next = std::make_shared<Snapshot>();
    next->generation = previous->generation + 1;
    ReloadReport report;
    std::map<std::string, std::string> owner;  // workflow -> file that declares it

    for (auto const& p : paths) {
        RuleFile file;
        file.path = fs::relative(p, folder_, ec).generic_string();
        if (ec) file.path = p.generic_string();
        ++report.files;
        auto old = before.find(file.path);
        DefinitionPtr def;
        try {
            dsl::SourceFile source(file.path, read_text(p));
            auto result = dsl::compile(source, catalog_);
            file.diagnostics = result.diagnostics.all().empty()
                                   ? std::string()
                                   : dsl::render_human(source, result.diagnostics.all());
            std::string refusal;
            if (result.workflow && accept_) refusal = accept_(*result.workflow);
            if (result.workflow && refusal.empty()) {
                std::string hash = ir::content_hash(*result.workflow);
                auto o = owner.find(result.workflow->name);
                if (o != owner.end()) {
                    refusal = "workflow `" + result.workflow->name + "` is already declared by " + o->second;
                } else if (!(def = version(hash))) {
                    auto templates = template_specs(*result.workflow, catalog_);
                    def = std::make_shared<Definition const>(std::move(*result.workflow), hash, std::move(templates));
                    {
                        std::lock_guard lock(mutex_);
                        versions_.emplace(hash, def);
                    }
                    if (on_new_version) on_new_version(*def);
                    report.new_versions.push_back(def->name() + "@" + hash.substr(0, 12));
                } else if (old != before.end() && old->second->version == hash && old->second->loaded) {
                    ++report.unchanged;
                }
            }
            if (!refusal.empty()) {
                def = nullptr;
                file.diagnostics += "error: " + refusal + "\n";
            }
        } catch (std::exception const& e) {
            def = nullptr;
            file.diagnostics = std::string("error: ") + e.what() + "\n";
        }

        if (def) {
            file.loaded = true;
            file.workflow = def->name();
            file.version = def->version();
            file.loaded_ms = old != before.end() && old->second->version == def->version() ? old->second->loaded_ms
                                                                                          : now_ms;
            ++report.loaded;
        } else {
            ++report.failed;
            // The version this file served before keeps serving.
            if (old != before.end() && !old->second->version.empty()) {
                file.workflow = old->second->workflow;
                file.version = old->second->version;
                file.loaded_ms = old->second->loaded_ms;
                def = version(file.version);
                if (owner.count(file.workflow)) def = nullptr;
            }
            report.failures.push_back(file);
        }
        if (def) {
            owner[def->name()] = file.path;
            next->current[def->name()] = def;
            for (auto const& t : def->ir().triggers) {
                auto& list = next->starters[t.event];
                if (std::find(list.begin(), list.end(), def) == list.end()) list.push_back(def);
            }
        }
        next->files.push_back(std::move(file));
    }

    std::lock_guard lock(mutex_);
    snapshot_ = std::move(next);
    return report;
}

}  // namespace signflow::engine
