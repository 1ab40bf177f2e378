// The cost of reading untrusted files in a child process
// (signflow/documents/isolated.hpp): an upload checked by inspect_upload in
// process against the same upload read by a signflow-parse child (spawn,
// limits, PoDoFo, answer), for a 2-page and a 40-page PDF; and verify() of
// a signed PDF both ways. The difference is the price of the isolation per
// file.
//
//   build-bench/bench/upload_bench
#include "signflow/documents/attachments.hpp"
#include "signflow/documents/error.hpp"
#include "signflow/documents/isolated.hpp"
#include "signflow/documents/keys.hpp"
#include "signflow/documents/signing.hpp"
#include "signflow/documents/verify.hpp"

#include <benchmark/benchmark.h>
#include <podofo/podofo.h>

#include <string>

namespace {

namespace documents = signflow::documents;

// A PDF of `pages` A4 pages with 40 lines of text each (PoDoFo, base-14 font).
std::string pdf_of(int pages) {
    using namespace PoDoFo;
    PdfMemDocument document;
    PdfFont* font = document.CreateFont("Helvetica");
    font->SetFontSize(12);
    for (int n = 1; n <= pages; ++n) {
        PdfPage* page = document.CreatePage(PdfPage::CreateStandardPageSize(ePdfPageSize_A4));
        PdfPainter painter;
        painter.SetPage(page);
        painter.SetFont(font);
        for (int line = 0; line < 40; ++line)
            painter.DrawText(56, 780 - 18 * line, "Clause " + std::to_string(line + 1) + " of page " +
                                                      std::to_string(n) + ": the parties keep their word.");
        painter.FinishPage();
    }
    PdfRefCountedBuffer buffer;
    PdfOutputDevice device(&buffer);
    document.Write(&device);
    return std::string(buffer.GetBuffer(), device.GetLength());
}

documents::IsolatedParser const& parser() {
    static documents::IsolatedParser const p(SIGNFLOW_PARSE_HELPER);
    return p;
}

std::string const& signed_pdf() {
    static std::string const s = [] {
        auto keys = documents::make_self_signed("Benchmark Operator", 30);
        auto credentials = documents::load_credentials(keys.key_pem, keys.cert_pem);
        documents::SignRequest request;
        request.appearance.name = "Ada Lovelace";
        return documents::sign(pdf_of(2), *credentials, request);
    }();
    return s;
}

void upload_in_process(benchmark::State& state) {
    std::string pdf = pdf_of(static_cast<int>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(documents::inspect_upload(pdf, "scan.pdf").pages);
    state.counters["bytes"] = static_cast<double>(pdf.size());
}

void upload_in_child(benchmark::State& state) {
    std::string pdf = pdf_of(static_cast<int>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(parser().inspect_upload(pdf, "scan.pdf").pages);
    state.counters["bytes"] = static_cast<double>(pdf.size());
}

void verify_in_process(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(documents::verify(signed_pdf()).size());
}

void verify_in_child(benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(parser().verify(signed_pdf()).size());
}

}  // namespace

BENCHMARK(upload_in_process)->Arg(2)->Arg(40)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(upload_in_child)->Arg(2)->Arg(40)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(verify_in_process)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(verify_in_child)->Unit(benchmark::kMillisecond)->UseRealTime();

int main(int argc, char** argv) {
    documents::silence_library_logging();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
