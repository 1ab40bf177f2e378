// Document throughput: PAdES signing of a small 2-page PDF, all in memory,
// on one thread and on two (the machine has two cores). Each benchmark is a
// Scenario — a prepared input and one call per document — so adding fill +
// sign of the stock NDA (when the form part lands) is one more entry in
// `scenarios()`.
//
//   build-bench/bench/document_bench                 # docs/s per scenario, 1 and 2 threads
//   build-bench/bench/document_bench --benchmark_filter=sign_visible --benchmark_min_time=5
//
// It runs on the daemon's allocator (signflow::allocator: mimalloc, printed
// in the context lines). Built without it, the allocator trap (FACTS.md):
// PoDoFo starts a zlib compressor per stream, ~256 KB that glibc hands back
// to the kernel on free and faults in again on the next document;
// tune_malloc() stops that, as the daemon does where it starts.
#include "signflow/base/allocator.hpp"
#include "signflow/documents/completion.hpp"
#include "signflow/documents/form.hpp"
#include "signflow/documents/keys.hpp"
#include "signflow/documents/signing.hpp"
#include "signflow/documents/verify.hpp"
#include "signflow/stdlib/stock_documents.hpp"

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>
#include <malloc.h>
#include <podofo/podofo.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace documents = signflow::documents;

// SIGNFLOW_DEFAULT_MALLOC=1 leaves glibc's defaults, to see the trap.
void tune_malloc() {
    if (!signflow::base::allocator_is_glibc() || std::getenv("SIGNFLOW_DEFAULT_MALLOC")) return;
    mallopt(M_MMAP_THRESHOLD, 16 * 1024 * 1024);  // 256 KB zlib buffers come from the heap, not mmap
    mallopt(M_TRIM_THRESHOLD, 64 * 1024 * 1024);  // and freed memory stays for the next document
}

// A 2-page A4 document with a line of text per page (PoDoFo, base-14 font).
std::string two_page_pdf() {
    using namespace PoDoFo;
    PdfMemDocument document;
    PdfFont* font = document.CreateFont("Helvetica");
    font->SetFontSize(12);
    for (int n = 1; n <= 2; ++n) {
        PdfPage* page = document.CreatePage(PdfPage::CreateStandardPageSize(ePdfPageSize_A4));
        PdfPainter painter;
        painter.SetPage(page);
        painter.SetFont(font);
        for (int line = 0; line < 40; ++line)
            painter.DrawText(56, 780 - 18 * line, "Clause " + std::to_string(line + 1) +
                                                      ": the parties keep each other's confidential information.");
        painter.FinishPage();
    }
    PdfRefCountedBuffer buffer;
    PdfOutputDevice device(&buffer);
    document.Write(&device);
    return std::string(buffer.GetBuffer(), device.GetLength());
}

struct Fixture {
    std::string pdf;
    std::shared_ptr<documents::Credentials const> credentials;
    std::string signed_pdf;  // pdf signed once: the input of the verify scenario
};

Fixture const& fixture() {
    static Fixture const f = [] {
        Fixture made;
        made.pdf = two_page_pdf();
        auto keys = documents::make_self_signed("Benchmark Operator", 30);
        made.credentials = documents::load_credentials(keys.key_pem, keys.cert_pem);
        documents::SignRequest request;
        request.appearance.name = "Ada Lovelace";
        made.signed_pdf = documents::sign(made.pdf, *made.credentials, request);
        return made;
    }();
    return f;
}

// One scenario: what one "document" is. `run` is called once per iteration
// and returns the bytes produced (kept alive so nothing is optimised away).
struct Scenario {
    std::string name;
    std::function<std::string()> run;
};

documents::SignRequest signer_request() {
    documents::SignRequest request;
    request.appearance.name = "Ada Lovelace";
    request.appearance.date_text = "2026-11-27 09:14 (Europe/London)";
    request.reason = "I agree to the terms";
    request.when = std::chrono::system_clock::now();
    return request;
}

std::string_view stock_nda() {
    static std::string_view const nda = *signflow::stdlib::stock_document("nda");
    return nda;
}

documents::FillRequest nda_values() {
    documents::FillRequest r;
    r.values = {{"client_name", "Ada Lovelace"},      {"client_email", "ada@example.org"},
                {"client_company", "Analytical Ltd"}, {"effective_date", "2026-11-27"},
                {"term_months", 24},                  {"governing_law", "England and Wales"},
                {"fee", 250},                         {"currency", "GBP"}};
    return r;
}

// A certificate of completion as the daemon draws it for a two-signer
// envelope with 12 audit events; `client` is the first signer's name (a CJK
// name makes the page embed a subset of the 4 MB fallback font).
nlohmann::json certificate(std::string const& client) {
    nlohmann::json events = nlohmann::json::array();
    for (int i = 0; i < 12; ++i)
        events.push_back({{"seq", i + 1},
                          {"at", "2026-11-27T09:14:0" + std::to_string(i % 10) + ".120Z"},
                          {"local", "2026-11-27 10:14 (Europe/Berlin)"},
                          {"kind", i == 11 ? "completed" : i % 2 ? "viewed" : "signed"},
                          {"actor", i % 2 ? "client" : "manager"},
                          {"ip", "203.0.113." + std::to_string(i)},
                          {"user_agent", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0.0.0"},
                          {"method", "signing page"}});
    return {{"envelope", 42},
            {"workflow", "nda_onboarding"},
            {"document_sha256", std::string(64, 'a')},
            {"signers", nlohmann::json::array({{{"role", "client"}, {"name", client}, {"email", "c@example.com"},
                                                {"zone", "Europe/Berlin"}, {"auth", "sms code"}},
                                               {{"role", "manager"}, {"name", "Ana Müller"},
                                                {"email", "ana@example.com"}, {"zone", "Europe/Berlin"}}})},
            {"events", std::move(events)},
            {"chain_head", std::string(64, 'c')},
            {"entries", 12},
            {"generated_at", "2026-11-27T09:20:00Z"}};
}

// The seal: the certificate page appended, then the operator's invisible
// signature over everything.
std::string seal(nlohmann::json const& certificate) {
    auto pdf = documents::append_completion_page(fixture().signed_pdf, certificate);
    auto request = signer_request();
    request.appearance.visible = false;
    return documents::sign(pdf, *fixture().credentials, request);
}

std::vector<Scenario> scenarios() {
    return {
        // A signer's act: typed name and date drawn with the embedded
        // DejaVu Sans subset, CAdES signature, incremental update.
        {"sign_visible", [] { return documents::sign(fixture().pdf, *fixture().credentials, signer_request()); }},
        // The seal: no appearance, only the signature.
        {"sign_invisible",
         [] {
             auto request = signer_request();
             request.appearance.visible = false;
             return documents::sign(fixture().pdf, *fixture().credentials, request);
         }},
        // signflow verify on a signed file (scan, digest, CMS verify).
        {"verify", [] { return documents::verify(fixture().signed_pdf).front().signer; }},
        // The figure: the 2-page stock NDA filled (all 8 fields, with
        // appearance streams) and signed once, visibly, on its `client`
        // signature field: what one signer's envelope costs.
        {"fill_sign_nda",
         [] {
             auto filled = documents::fill(stock_nda(), nda_values());
             auto request = signer_request();
             request.appearance.field = "client";
             return documents::sign(filled.pdf, *fixture().credentials, request);
         }},
        // The seal with its certificate of completion page: Latin names, and
        // one CJK name (the fallback font's subset).
        {"seal_certificate", [] { return seal(certificate("Ada Lovelace")); }},
        {"seal_certificate_cjk", [] { return seal(certificate("王小明")); }},
        // The fill alone, with the payment section removed (a rewrite, not
        // an incremental update).
        {"fill_nda_section_removed",
         [] {
             auto values = nda_values();
             values.sections["payment"] = false;
             return documents::fill(stock_nda(), values).pdf;
         }},
    };
}

void register_scenarios() {
    for (auto const& scenario : scenarios()) {
        auto run = scenario.run;
        benchmark::RegisterBenchmark(scenario.name.c_str(),
                                     [run](benchmark::State& state) {
                                         for (auto _ : state) {
                                             auto out = run();
                                             benchmark::DoNotOptimize(out.data());
                                         }
                                         state.SetItemsProcessed(state.iterations());
                                         state.counters["docs/s"] = benchmark::Counter(
                                             static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
                                     })
            ->Threads(1)
            ->Threads(2)
            ->UseRealTime()
            ->Unit(benchmark::kMicrosecond);
    }
}

}  // namespace

int main(int argc, char** argv) {
    tune_malloc();
    fixture();  // key generation and the input PDF, outside the timings
    register_scenarios();
    benchmark::AddCustomContext("allocator", signflow::base::allocator_name());
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
