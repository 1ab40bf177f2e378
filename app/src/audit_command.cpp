// `signflow audit verify`: checks an envelope's audit chain offline and
// names the first entry that was altered, removed, reordered or inserted.
//
// The verdict does not care where the entries come from: each source
// (an exported JSON file today; the SQLite store with --db/--envelope next)
// is a function that returns a ChainInput, and report_chain() does the rest.
#include "commands.hpp"
#include "files.hpp"

#include "signflow/evidence/audit.hpp"
#include "signflow/storage/daemon_store.hpp"
#include "signflow/storage/open.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

namespace signflow::app {

namespace {

namespace evidence = signflow::evidence;

// An envelope's chain as a source gives it.
struct ChainInput {
    std::string source;                    // for messages: the file name, "envelope 42 in signflow.db"
    std::vector<evidence::AuditEntry> entries;
    std::string stated_head;               // the head the source states about itself (an export's "head"); may be empty
    std::optional<std::int64_t> stated_envelope;
};

// An exported chain (`signflow-audit/1`, docs/audit.md). What is not one is
// an input error (exit 2), not a broken chain.
ChainInput chain_from_file(std::string const& path) {
    auto text = read_file(path);
    nlohmann::json exported;
    try {
        exported = nlohmann::json::parse(text);
    } catch (nlohmann::json::parse_error const& e) {
        throw InputError(path + ": not JSON: " + e.what());
    }
    ChainInput input;
    input.source = path;
    try {
        input.entries = evidence::import_chain(exported);
    } catch (std::invalid_argument const& e) {
        throw InputError(path + ": " + e.what());
    }
    if (auto head = exported.find("head"); head != exported.end() && head->is_string())
        input.stated_head = head->get<std::string>();
    if (auto envelope = exported.find("envelope"); envelope != exported.end() && envelope->is_number_integer())
        input.stated_envelope = envelope->get<std::int64_t>();
    return input;
}

// An envelope's chain as the daemon's store (SQLite or PostgreSQL) holds it. Read-only use:
// the store is opened (and migrated, which a current database skips) but
// nothing is written.
ChainInput chain_from_db(std::string const& db, std::int64_t envelope) {
    auto store = open_db(db, false);
    ChainInput input;
    input.source = "envelope " + std::to_string(envelope) + " in " + storage::describe_target(db);
    input.stated_envelope = envelope;
    auto records = store->audit(envelope);
    if (records.empty()) throw InputError(input.source + ": no audit entries (no such envelope?)");
    for (auto const& r : records) {
        try {
            input.entries.push_back(evidence::entry_from_json(nlohmann::json::parse(r.entry)));
        } catch (std::exception const& e) {
            // A row that is not an entry any more is an alteration: keep a
            // placeholder so that the verdict names it.
            evidence::AuditEntry broken_entry;
            broken_entry.envelope = r.envelope;
            broken_entry.seq = r.seq;
            broken_entry.kind = r.kind;
            broken_entry.hash = r.hash;
            input.entries.push_back(std::move(broken_entry));
        }
    }
    return input;
}

int export_chain(std::string const& db, std::int64_t envelope) {
    auto input = chain_from_db(db, envelope);
    std::cout << evidence::export_chain(input.entries).dump(2) << "\n";
    return exit_ok;
}

evidence::ChainVerdict broken(evidence::ChainVerdict verdict, std::int64_t at, std::string problem,
                              std::string explanation) {
    verdict.ok = false;
    verdict.first_bad = at;
    verdict.problem = std::move(problem);
    verdict.explanation = std::move(explanation);
    return verdict;
}

// The chain checked in itself, against the expected head (from a
// certificate of completion) and against what its source states about it.
evidence::ChainVerdict check(ChainInput const& input, std::string const& expected_head) {
    auto verdict = evidence::verify_chain(input.entries, expected_head);
    if (!verdict.ok) return verdict;
    if (input.stated_envelope && !input.entries.empty() && input.entries.front().envelope != *input.stated_envelope)
        return broken(verdict, 1, "wrong envelope",
                      "the entries are envelope " + std::to_string(input.entries.front().envelope) + "'s, but " +
                          input.source + " says envelope " + std::to_string(*input.stated_envelope));
    if (input.stated_head.empty() || input.stated_head == verdict.head) return verdict;
    // The source names another head: the chain was cut or extended after it
    // was written out.
    auto own = evidence::verify_chain(input.entries, input.stated_head);
    if (!own.ok)
        return broken(verdict, own.first_bad, own.problem,
                      own.explanation + " (the head " + input.source + " states)");
    return broken(verdict, own.expected_head_at + 1, "inserted",
                  "entries " + std::to_string(own.expected_head_at + 1) + " to " + std::to_string(own.entries) +
                      " come after the head " + input.source + " states (entry " +
                      std::to_string(own.expected_head_at) + "'s hash)");
}

int report_chain(ChainInput const& input, std::string const& expected_head) {
    auto verdict = check(input, expected_head);
    if (!verdict.ok) {
        std::cout << "chain broken at entry " << verdict.first_bad << ": " << verdict.problem << " — "
                  << verdict.explanation << "\n";
        return exit_findings;
    }
    std::cout << "chain intact: " << verdict.entries << (verdict.entries == 1 ? " entry" : " entries") << ", head "
              << verdict.head << "\n";
    if (verdict.expected_head_at > 0 && verdict.expected_head_at < verdict.entries) {
        // Allowed (the seal is recorded after the certificate), but shown.
        std::cout << "the expected head is entry " << verdict.expected_head_at << "'s hash; after it:";
        for (auto i = static_cast<std::size_t>(verdict.expected_head_at); i < input.entries.size(); ++i)
            std::cout << " " << input.entries[i].seq << " " << input.entries[i].kind
                      << (i + 1 < input.entries.size() ? "," : "");
        std::cout << "\n";
    }
    return exit_ok;
}

struct VerifyOptions {
    std::string file;
    std::string head;
    std::string db;
    std::int64_t envelope = 0;
};

}  // namespace

void add_audit_commands(CLI::App& app, Runner& run) {
    auto* audit = app.add_subcommand("audit", "Audit trails: verify an envelope's hash chain");
    audit->require_subcommand(1);

    auto options = std::make_shared<VerifyOptions>();
    auto* verify = audit->add_subcommand(
        "verify", "Check an audit chain offline; name the first entry altered, removed, reordered or inserted");
    verify->add_option("file", options->file, "An exported chain (JSON, format signflow-audit/1); - reads standard input");
    verify->add_option("--db", options->db, "Read the chain from the daemon's database instead (with --envelope)");
    verify->add_option("--envelope", options->envelope, "The envelope whose chain to read from --db");
    verify->add_option("--head", options->head,
                       "The chain head the certificate of completion states (64 hex digits): also catches removed "
                       "entries at the end")
        ->transform(CLI::Validator(
            [](std::string& value) -> std::string {
                std::transform(value.begin(), value.end(), value.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                if (value.size() != 64 || value.find_first_not_of("0123456789abcdef") != std::string::npos)
                    return "a chain head is 64 hex digits";
                return {};
            },
            "HASH"));
    verify->callback([options, &run] {
        run = [options] {
            if (options->db.empty() == options->file.empty())
                throw InputError("audit verify: give an exported FILE, or --db DB --envelope ID");
            if (!options->db.empty() && options->envelope <= 0)
                throw InputError("audit verify: --db needs --envelope ID");
            return report_chain(options->db.empty() ? chain_from_file(options->file)
                                                    : chain_from_db(options->db, options->envelope),
                                options->head);
        };
    });

    auto exported = std::make_shared<VerifyOptions>();
    auto* export_cmd = audit->add_subcommand("export", "Write an envelope's audit chain as JSON (signflow-audit/1)");
    export_cmd->add_option("--db", exported->db, "The daemon's database")->required();
    export_cmd->add_option("--envelope", exported->envelope, "The envelope")->required();
    export_cmd->callback([exported, &run] { run = [exported] { return export_chain(exported->db, exported->envelope); }; });
}

}  // namespace signflow::app
