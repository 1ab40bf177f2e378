// `signflow verify FILE.pdf`, `signflow keys init` and `signflow sign`: the
// operator's tools for signatures outside any workflow. verify prints one
// line per signature — pdfsig's verdict plus signflow's own checks — and
// exits 1 when any is invalid. keys init makes a self-signed pair for trying
// signflow out and says, loudly, that it is for testing only. sign signs one
// PDF by hand (the daemon signs through the same library call).
#include "commands.hpp"
#include "files.hpp"
#include "verdict_report.hpp"

#include "signflow/documents/error.hpp"
#include "signflow/documents/keys.hpp"
#include "signflow/documents/signing.hpp"
#include "signflow/documents/verify.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>

namespace signflow::app {

namespace {

namespace documents = signflow::documents;
namespace fs = std::filesystem;

struct VerifyOptions {
    std::string file;
    std::string format = "human";
};

struct KeysInitOptions {
    std::string dir = ".";
    std::string name = "signflow test";
    int days = 365;
    bool force = false;
};

struct SignOptions {
    std::string input, output, key, cert, chain;
    std::string name, image, date_text, field, reason, location, tsa;
    int page = 0;
    bool invisible = false;
    bool certify = false;
};

std::string yes_no(bool b) { return b ? "yes" : "no"; }

int run_verify(VerifyOptions const& o) {
    std::string bytes = read_file(o.file);
    std::vector<documents::SignatureVerdict> verdicts;
    try {
        verdicts = documents::verify(bytes);
    } catch (documents::DocumentError const& e) {
        throw InputError(o.file + ": " + e.what());
    }
    bool all_valid = !verdicts.empty();
    for (auto const& v : verdicts) all_valid = all_valid && v.valid();
    bool last_covers = !verdicts.empty() && verdicts.back().covers_whole_document;

    if (o.format == "json") {
        nlohmann::json out = verdict_report(verdicts);
        out["file"] = o.file;
        std::cout << out.dump(2) << "\n";
        return all_valid ? exit_ok : exit_findings;
    }

    if (verdicts.empty()) {
        std::cout << o.file << ": no signatures\n";
        return exit_findings;
    }
    int number = 0, invalid = 0;
    for (auto const& v : verdicts) {
        ++number;
        invalid += !v.valid();
        std::cout << "Signature #" << number << " (" << (v.field.empty() ? "unnamed field" : v.field) << "): "
                  << (v.valid() ? "Signature is Valid." : "INVALID: " + v.problem) << "\n"
                  << "  signer: " << (v.signer.empty() ? "unknown" : v.signer) << "\n"
                  << "  signed at: " << (v.signed_at.empty() ? "not stated" : v.signed_at) << " (/M)\n"
                  << "  type: " << (v.sub_filter.empty() ? "unknown" : v.sub_filter)
                  << "; digest: " << (v.digest_ok ? "ok" : "MISMATCH")
                  << "; signature: " << (v.signature_ok ? "ok" : "BAD")
                  << "; signing-certificate-v2: " << yes_no(v.certificate_v2)
                  << "; timestamp: " << (v.timestamped ? v.timestamp_time : "none") << "\n"
                  << "  " << (v.covers_whole_document ? "Total document signed" : "Not total document signed")
                  << "\n";
    }
    if (invalid)
        std::cout << invalid << " of " << verdicts.size() << " signatures are invalid\n";
    else
        std::cout << "all " << verdicts.size() << " signatures are valid"
                  << (last_covers ? "; the last covers the whole document"
                                  : "; WARNING: the file was changed after the last signature")
                  << "\n";
    std::cout << "(certificate trust is not judged: check the signer names above)\n";
    return invalid ? exit_findings : exit_ok;
}

// Writes `text` to a new file with `mode`, refusing to replace one unless
// `force`.
void write_new_file(fs::path const& path, std::string const& text, mode_t mode, bool force) {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
    int fd = ::open(path.c_str(), flags, mode);
    if (fd < 0)
        throw InputError(path.string() + (errno == EEXIST ? ": already exists (use --force to replace it)"
                                                          : ": cannot write: " + std::string(std::strerror(errno))));
    ::fchmod(fd, mode);  // O_CREAT's mode is masked by the umask; an existing file keeps its own
    bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!ok) throw InputError(path.string() + ": write failed");
}

int run_keys_init(KeysInitOptions const& o) {
    fs::path dir(o.dir);
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw InputError(o.dir + ": " + ec.message());
    auto key_path = dir / "signflow-key.pem", cert_path = dir / "signflow-cert.pem";
    if (!o.force)
        for (auto const& p : {key_path, cert_path})
            if (fs::exists(p)) throw InputError(p.string() + ": already exists (use --force to replace it)");
    auto pair = documents::make_self_signed(o.name, o.days);
    write_new_file(key_path, pair.key_pem, 0600, o.force);
    write_new_file(cert_path, pair.cert_pem, 0644, o.force);
    auto subject = documents::certificate_subject(*documents::load_credentials(pair.key_pem, pair.cert_pem));
    std::cout << "wrote " << key_path.string() << " (RSA-2048 private key, mode 0600)\n"
              << "wrote " << cert_path.string() << " (" << subject << ", valid " << o.days << " days)\n\n"
              << "This pair is SELF-SIGNED and for TESTING ONLY. No PDF reader trusts it, and documents sealed\n"
              << "with it prove nothing to anyone else. For real documents configure a key and a certificate\n"
              << "issued by a certification authority your signers' readers trust.\n";
    return exit_ok;
}

std::string now_text() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[40];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M (UTC)", &utc);
    return text;
}

int run_sign(SignOptions const& o) {
    std::string pdf = read_file(o.input);
    documents::SignRequest request;
    request.appearance.name = o.name;
    request.appearance.date_text = o.date_text.empty() ? now_text() : o.date_text;
    request.appearance.field = o.field;
    request.appearance.page = o.page;
    request.appearance.visible = !o.invisible;
    if (!o.image.empty()) request.appearance.image_png = read_file(o.image);
    request.reason = o.reason;
    request.location = o.location;
    request.tsa_url = o.tsa;
    request.certify = o.certify;
    request.when = std::chrono::system_clock::now();
    std::string signed_pdf;
    try {
        auto credentials = documents::load_credentials(read_file(o.key), read_file(o.cert),
                                                       o.chain.empty() ? std::string() : read_file(o.chain));
        signed_pdf = documents::sign(pdf, *credentials, request);
    } catch (documents::DocumentError const& e) {
        throw InputError(o.input + ": " + e.what());
    }
    write_file_atomically(o.output, signed_pdf);
    std::cout << "signed " << o.input << " -> " << o.output << " (" << signed_pdf.size() - pdf.size()
              << " bytes appended as an incremental update)\n";
    return exit_ok;
}

}  // namespace

void add_sign_commands(CLI::App& app, Runner& run) {
    auto verify = std::make_shared<VerifyOptions>();
    auto* verify_cmd = app.add_subcommand("verify", "Check every signature in a PDF (exit 1 if any is invalid)");
    verify_cmd->add_option("file", verify->file, "A signed PDF")->required();
    verify_cmd->add_option("--format", verify->format, "human (default) or json")
        ->check(CLI::IsMember({"human", "json"}));
    verify_cmd->callback([verify, &run] { run = [verify] { return run_verify(*verify); }; });

    auto* keys_cmd = app.add_subcommand("keys", "Signing keys and certificates");
    keys_cmd->require_subcommand(1);
    auto keys_init = std::make_shared<KeysInitOptions>();
    auto* init_cmd = keys_cmd->add_subcommand(
        "init", "Make a self-signed key and certificate FOR TESTING ONLY (signflow-key.pem, signflow-cert.pem)");
    init_cmd->add_option("--dir", keys_init->dir, "Where to write them")->capture_default_str();
    init_cmd->add_option("--name", keys_init->name, "The certificate's common name (CN)")->capture_default_str();
    init_cmd->add_option("--days", keys_init->days, "Validity in days")->capture_default_str()->check(CLI::Range(1, 3650));
    init_cmd->add_flag("--force", keys_init->force, "Replace existing files");
    init_cmd->callback([keys_init, &run] { run = [keys_init] { return run_keys_init(*keys_init); }; });

    auto sign = std::make_shared<SignOptions>();
    auto* sign_cmd = app.add_subcommand("sign", "Sign a PDF by hand (PAdES, as an incremental update)");
    sign_cmd->add_option("input", sign->input, "The PDF to sign")->required();
    sign_cmd->add_option("-o,--output", sign->output, "Where to write the signed PDF")->required();
    sign_cmd->add_option("--key", sign->key, "The private key (PEM)")->required()->check(CLI::ExistingFile);
    sign_cmd->add_option("--cert", sign->cert, "Its certificate (PEM)")->required()->check(CLI::ExistingFile);
    sign_cmd->add_option("--chain", sign->chain, "Intermediate certificates (PEM)")->check(CLI::ExistingFile);
    sign_cmd->add_option("--name", sign->name, "The typed name drawn in the signature box");
    sign_cmd->add_option("--image", sign->image, "A drawn signature (PNG or JPEG)")->check(CLI::ExistingFile);
    sign_cmd->add_option("--date-text", sign->date_text, "The date line (default: now, UTC)");
    sign_cmd->add_option("--field", sign->field, "The signature field to sign (default: a new box)");
    sign_cmd->add_option("--page", sign->page, "The page for a new box, 1-based (default: the last)");
    sign_cmd->add_option("--reason", sign->reason, "The signature's /Reason");
    sign_cmd->add_option("--location", sign->location, "The signature's /Location");
    sign_cmd->add_option("--tsa", sign->tsa, "An RFC 3161 timestamp authority (http://...)");
    sign_cmd->add_flag("--invisible", sign->invisible, "No visible box (a seal)");
    sign_cmd->add_flag("--certify", sign->certify, "A certification (DocMDP) signature; only on an unsigned PDF");
    sign_cmd->callback([sign, &run] { run = [sign] { return run_sign(*sign); }; });
}

}  // namespace signflow::app
