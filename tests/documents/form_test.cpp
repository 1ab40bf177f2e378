// Templates: the stock PDFs against their specs, filling them and the forms
// reportlab made (examples/templates), checked by qpdf and pdftotext rather
// than by reading our own output back through PoDoFo.
#include "form_support.hpp"

#include "signflow/documents/form.hpp"
#include "signflow/stdlib/catalog.hpp"
#include "signflow/stdlib/stock_documents.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <thread>

using namespace signflow;
using documents::DocumentError;
using documents::FieldType;

namespace {

std::string stock(std::string const& name) {
    auto pdf = stdlib::stock_document(name);
    REQUIRE(pdf);
    return std::string(*pdf);
}

std::string example(std::string const& file) { return test::read_bytes(test::source_path("examples/templates/" + file)); }

documents::FieldInfo const* field(documents::TemplateInfo const& info, std::string const& name) {
    for (auto const& f : info.fields)
        if (f.name == name) return &f;
    return nullptr;
}

// Fills and writes the result where the tools can read it; every output
// must pass qpdf --check.
std::string fill_to_file(std::string const& pdf, documents::FillRequest const& request, std::string const& name,
                         documents::FilledDocument* filled_out = nullptr) {
    auto filled = documents::fill(pdf, request);
    CHECK(filled.sha256 == documents::sha256_hex(filled.pdf));
    std::string path = test::temp_file(name, filled.pdf);
    std::string report;
    INFO(report);
    CHECK(test::qpdf_check(path, &report));
    if (filled_out) *filled_out = std::move(filled);
    return path;
}

nlohmann::json nda_values() {
    return {{"client_name", "Ada Lovelace"},  {"client_email", "ada@example.com"}, {"client_company", "Analytical Engines Ltd"},
            {"effective_date", "1 March 2025"}, {"term_months", 24},                 {"governing_law", "England and Wales"},
            {"fee", 1500},                      {"currency", "GBP"}};
}

}  // namespace

TEST_CASE("stock templates: every PDF has exactly its spec's fields and sections", "[form][stock]") {
    for (auto const& spec : stdlib::stock_templates()) {
        INFO("template " << spec.name);
        auto info = documents::describe(stock(spec.name));
        std::map<std::string, documents::FieldInfo> fillable;
        for (auto const& f : info.fields)
            if (f.type != FieldType::signature && !f.read_only) fillable.emplace(f.name, f);
        std::set<std::string> spec_names, pdf_names;
        for (auto const& f : spec.fields) spec_names.insert(f.name);
        for (auto const& [name, f] : fillable) pdf_names.insert(name);
        CHECK(pdf_names == spec_names);
        for (auto const& f : spec.fields) {
            INFO("field " << f.name);
            auto it = fillable.find(f.name);
            if (it == fillable.end()) continue;
            if (f.type == dsl::Type::boolean) {
                CHECK(it->second.type == FieldType::checkbox);
            } else if (!f.options.empty()) {
                CHECK(it->second.type == FieldType::choice);
                CHECK(it->second.options == f.options);
            } else {
                CHECK(it->second.type == FieldType::text);
            }
        }
        std::set<std::string> spec_sections(spec.sections.begin(), spec.sections.end()), pdf_sections;
        for (auto const& s : info.sections) pdf_sections.insert(s.name);
        CHECK(pdf_sections == spec_sections);
        std::string path = test::temp_file(spec.name + ".pdf", stock(spec.name));
        CHECK(test::qpdf_check(path));
        CHECK(test::pdftotext(path).find(spec.title) != std::string::npos);
    }
}

TEST_CASE("stock nda: two pages, the payment schedule on page 2, signature fields by role", "[form][stock]") {
    auto info = documents::describe(stock("nda"));
    CHECK(info.pages == 2);
    auto payment = std::find_if(info.sections.begin(), info.sections.end(),
                                       [](auto const& s) { return s.name == "payment"; });
    REQUIRE(payment != info.sections.end());
    CHECK(payment->pages == std::vector<int>{2});
    CHECK(std::count(payment->fields.begin(), payment->fields.end(), "fee") == 1);
    REQUIRE(field(info, "client"));
    CHECK(field(info, "client")->type == FieldType::signature);
    CHECK(field(info, "client")->page == 1);
    REQUIRE(field(info, "fee"));
    CHECK(field(info, "fee")->section == "payment");
    CHECK(field(info, "fee")->page == 2);
}

TEST_CASE("fill nda: values in the fields and on the page, every section shown", "[form][fill]") {
    documents::FillRequest request;
    request.values = nda_values();
    documents::FilledDocument filled;
    auto path = fill_to_file(stock("nda"), request, "nda.pdf", &filled);
    CHECK(filled.removed_sections.empty());
    // Nothing removed: an incremental update after the template's own bytes.
    CHECK(filled.pdf.compare(0, stock("nda").size(), stock("nda")) == 0);
    auto fields = test::qpdf_fields(path);
    CHECK(fields.at("client_name").value == "Ada Lovelace");
    CHECK(fields.at("term_months").value == "24");
    CHECK(fields.at("fee").value == "1500");
    CHECK(fields.at("currency").value == "GBP");
    CHECK(test::page_count(path) == 2);
    auto text = test::pdftotext(path);
    for (auto const* s : {"Ada Lovelace", "ada@example.com", "Analytical Engines Ltd", "England and Wales", "1500",
                          "GBP", "Non-solicitation", "Schedule A"})
        CHECK(text.find(s) != std::string::npos);
}

TEST_CASE("fill: a field the template places is made on its page, fillable, beside the PDF's own", "[form][fill]") {
    // terms.pdf (reportlab) has four fields; the template places a fifth.
    documents::FillRequest request;
    request.values = {{"company_name", "Contoso"}, {"purchase_order", "PO-7731"}};
    request.placed.push_back({"purchase_order", 1, 72, 420, 220, 18});
    documents::FilledDocument filled;
    auto path = fill_to_file(example("terms.pdf"), request, "terms-placed.pdf", &filled);
    CHECK(test::qpdf_check(path));
    auto info = documents::describe(filled.pdf);
    REQUIRE(field(info, "purchase_order"));
    CHECK(field(info, "purchase_order")->type == FieldType::text);
    CHECK(field(info, "purchase_order")->page == 1);
    CHECK(info.fields.size() == 5);
    auto fields = test::qpdf_fields(path);
    CHECK(fields.at("purchase_order").value == "PO-7731");
    CHECK(fields.at("company_name").value == "Contoso");
    CHECK(test::pdftotext(path).find("PO-7731") != std::string::npos);
    // Left empty, then filled later (as a signer's value is, at signing).
    documents::FillRequest empty;
    empty.placed = request.placed;
    auto blank = documents::fill(example("terms.pdf"), empty);
    documents::FillRequest later;
    later.values = {{"purchase_order", "PO-1"}};
    CHECK(documents::fill(blank.pdf, later).pdf.find("PO-1") != std::string::npos);
    // A name the PDF has, a page it lacks, an empty box: refused, named.
    auto refused = [&](documents::PlacedField f, std::string const& words) {
        documents::FillRequest r;
        r.placed.push_back(std::move(f));
        try {
            documents::fill(example("terms.pdf"), r);
            FAIL("filled");
        } catch (documents::DocumentError const& e) {
            INFO(e.what());
            CHECK(std::string(e.what()).find(words) != std::string::npos);
        }
    };
    refused({"client_title", 1, 72, 420, 220, 18}, "the PDF has a field of that name");
    refused({"purchase_order", 2, 72, 420, 220, 18}, "placed on page 2, but the PDF has 1 page");
    refused({"purchase_order", 1, 72, 420, 0, 18}, "without a width and a height");
}

TEST_CASE("fill: fields locked as they are (a choice left blank under a signature)", "[form][fill]") {
    documents::FillRequest request;
    request.lock = {"currency"};
    auto locked = documents::fill(stock("nda"), request);
    auto before = documents::describe(stock("nda"));
    auto after = documents::describe(locked.pdf);
    REQUIRE(field(after, "currency"));
    CHECK(field(after, "currency")->read_only);
    CHECK(field(after, "currency")->value == field(before, "currency")->value);
    CHECK_FALSE(field(after, "fee")->read_only);
    request.lock = {"no_such_field"};
    CHECK_THROWS_AS(documents::fill(stock("nda"), request), documents::DocumentError);
}

TEST_CASE("fill nda: hidden sections are removed, not blanked", "[form][sections]") {
    documents::FillRequest request;
    request.values = nda_values();  // fee and currency too: ignored, their page goes
    request.sections = {{"payment", false}, {"non_solicitation", false}};
    documents::FilledDocument filled;
    auto path = fill_to_file(stock("nda"), request, "nda-hidden.pdf", &filled);
    CHECK(filled.removed_sections == std::vector<std::string>{"non_solicitation", "payment"});  // the template's order
    CHECK(test::page_count(path) == 1);
    auto fields = test::qpdf_fields(path);
    CHECK(fields.count("fee") == 0);
    CHECK(fields.count("currency") == 0);
    CHECK(fields.count("non_solicitation.clause") == 0);
    CHECK(fields.count("section:payment") == 0);
    CHECK(fields.at("client_name").value == "Ada Lovelace");
    auto text = test::pdftotext(path);
    CHECK(text.find("Ada Lovelace") != std::string::npos);
    CHECK(text.find("Schedule A") == std::string::npos);
    CHECK(text.find("Non-solicitation") == std::string::npos);
    // Not in the bytes either: the removed objects are dropped from the file.
    auto raw = test::uncompressed(path);
    CHECK(raw.find("Evaluation Fee") == std::string::npos);
    CHECK(raw.find("solicit for employment") == std::string::npos);
    CHECK(raw.find("Confidential Information") != std::string::npos);  // the sweep kept what stays

    auto info = documents::describe(filled.pdf);
    CHECK(info.pages == 1);
    CHECK(info.sections.empty());
}

TEST_CASE("fill: Unicode values render and extract, CJK included", "[form][unicode]") {
    documents::FillRequest request;
    request.values = {{"client_name", "张伟"},
                      {"client_company", "Пётр и Ко — Ελληνικά"},
                      {"governing_law", "Zürich, Schweiz"},
                      {"effective_date", "2025年3月1日"}};
    auto path = fill_to_file(stock("nda"), request, "nda-unicode.pdf");
    auto text = test::pdftotext(path);
    CHECK(text.find("张伟") != std::string::npos);
    CHECK(text.find("Пётр и Ко") != std::string::npos);
    CHECK(text.find("Ελληνικά") != std::string::npos);
    CHECK(text.find("Zürich") != std::string::npos);
    CHECK(text.find("2025年3月1日") != std::string::npos);
    CHECK(test::qpdf_fields(path).at("client_name").value == "张伟");
    // Subset fonts, not whole font files (Droid Sans Fallback alone is 4 MB).
    CHECK(test::read_bytes(path).size() < 200 * 1024);
    auto fonts = test::run_tool("pdffonts '" + path + "'").output;
    CHECK(fonts.find("DroidSansFallback") != std::string::npos);
    CHECK(fonts.find("DejaVuSans") != std::string::npos);
}

TEST_CASE("fill: a value of the wrong type is an error naming field and value", "[form][errors]") {
    auto sa = stock("service_agreement");
    auto fails = [&](nlohmann::json values, std::vector<std::string> const& words) {
        documents::FillRequest request;
        request.values = std::move(values);
        try {
            documents::fill(sa, request);
            FAIL("no error for " << request.values.dump());
        } catch (DocumentError const& e) {
            std::string message = e.what();
            INFO(message);
            for (auto const& w : words) CHECK(message.find(w) != std::string::npos);
        }
    };
    fails({{"auto_renew", "yes"}}, {"auto_renew", "\"yes\"", "check box"});
    fails({{"currency", "EURO"}}, {"currency", "\"EURO\"", "USD"});
    fails({{"client_name", true}}, {"client_name", "true"});
    fails({{"client_nam", "Ada"}}, {"client_nam", "no field"});
    fails({{"client", "Ada"}}, {"client", "signature"});
    fails({{"section:payment_schedule", "x"}}, {"no field"});

    documents::FillRequest unknown_section;
    unknown_section.sections = {{"payments", false}};
    CHECK_THROWS_WITH(documents::fill(sa, unknown_section), Catch::Contains("payments") && Catch::Contains("payment_schedule"));
    CHECK_THROWS_AS(documents::fill("not a pdf", {}), DocumentError);
    CHECK_THROWS_AS(documents::describe("%PDF-1.7\ngarbage"), DocumentError);
}

TEST_CASE("fill service agreement: check box, numbers, multi-line text", "[form][fill]") {
    documents::FillRequest request;
    request.values = {{"client_name", "Grace Hopper"},
                      {"service_description",
                       "Design, build and operate a compiler for the client's business language, including "
                       "training for up to twenty programmers and on-call support during office hours."},
                      {"monthly_fee", 12500.5},
                      {"payment_terms_days", 30},
                      {"auto_renew", true},
                      {"currency", "EUR"},
                      {"end_date", nullptr}};
    request.sections = {{"international_terms", false}, {"service_levels", true}};
    auto path = fill_to_file(stock("service_agreement"), request, "sa.pdf");
    auto fields = test::qpdf_fields(path);
    CHECK(fields.at("auto_renew").value == "/Yes");
    CHECK(fields.at("auto_renew").appearance == "/Yes");
    CHECK(fields.at("monthly_fee").value == "12500.5");
    CHECK(fields.at("end_date").value.empty());
    CHECK(fields.count("international_terms.clause") == 0);
    CHECK(fields.count("service_levels.clause") == 1);
    auto text = test::pdftotext(path);
    CHECK(text.find("for up to twenty programmers") != std::string::npos);  // wrapped, not cut off
    CHECK(text.find("International terms") == std::string::npos);
    CHECK(text.find("Service levels") != std::string::npos);
}

TEST_CASE("reportlab forms: fields, types, options and sections are read", "[form][reportlab]") {
    auto info = documents::describe(example("offer_letter.pdf"));
    CHECK(info.pages == 3);
    REQUIRE(field(info, "candidate_name"));
    CHECK(field(info, "candidate_name")->type == FieldType::text);
    CHECK(field(info, "candidate_name")->page == 1);
    REQUIRE(field(info, "currency"));
    CHECK(field(info, "currency")->type == FieldType::choice);
    CHECK(field(info, "currency")->options == std::vector<std::string>{"EUR", "USD", "GBP", "CHF"});
    REQUIRE(field(info, "vesting"));
    CHECK(field(info, "vesting")->type == FieldType::radio);
    CHECK(field(info, "vesting")->options == std::vector<std::string>{"four_year_cliff", "three_year_monthly"});
    CHECK(field(info, "vesting")->section == "equity");
    REQUIRE(field(info, "relocation_lump_sum"));
    CHECK(field(info, "relocation_lump_sum")->type == FieldType::checkbox);
    CHECK(field(info, "signing_bonus.amount")->section == "signing_bonus");
    CHECK(field(info, "section:equity") == nullptr);  // markers are structure
    std::map<std::string, documents::SectionInfo> sections;
    for (auto const& s : info.sections) sections.emplace(s.name, s);
    REQUIRE(sections.size() == 3);
    CHECK(sections.at("relocation").pages == std::vector<int>{2});
    CHECK(sections.at("equity").pages == std::vector<int>{3});
    CHECK(sections.at("signing_bonus").pages.empty());
    CHECK(sections.at("signing_bonus").fields == std::vector<std::string>{"signing_bonus.terms", "signing_bonus.amount"});

    auto rpa = documents::describe(example("residential_purchase_agreement.pdf"));
    CHECK(rpa.pages == 3);
    REQUIRE(field(rpa, "property_type"));
    CHECK(field(rpa, "property_type")->type == FieldType::choice);
    CHECK(field(rpa, "loan_type")->type == FieldType::radio);
}

TEST_CASE("reportlab offer letter: filled, an addendum and a field section removed", "[form][reportlab]") {
    documents::FillRequest request;
    request.values = {{"candidate_name", "Mei Lin Tan"}, {"position", "Staff Engineer"},  {"department", "Platform"},
                      {"start_date", "01.04.2025"},      {"annual_salary", 98000},         {"currency", "EUR"},
                      {"equity_units", 1200},            {"vesting", "three_year_monthly"}, {"relocation_budget", 5000},
                      {"signing_bonus.amount", "10,000"}};
    request.sections = {{"relocation", false}, {"signing_bonus", false}};
    auto path = fill_to_file(example("offer_letter.pdf"), request, "offer.pdf");
    CHECK(test::page_count(path) == 2);
    auto fields = test::qpdf_fields(path);
    CHECK(fields.at("candidate_name").value == "Mei Lin Tan");
    CHECK(fields.at("annual_salary").value == "98000");
    CHECK(fields.at("currency").value == "EUR");
    CHECK(fields.at("vesting").value == "/three_year_monthly");
    CHECK(fields.count("relocation_budget") == 0);
    CHECK(fields.count("relocation_lump_sum") == 0);
    CHECK(fields.count("signing_bonus.amount") == 0);
    CHECK(fields.count("signing_bonus.terms") == 0);
    auto text = test::pdftotext(path);
    CHECK(text.find("Mei Lin Tan") != std::string::npos);
    CHECK(text.find("Staff Engineer") != std::string::npos);
    CHECK(text.find("98000") != std::string::npos);
    CHECK(text.find("Addendum: Equity Grant") != std::string::npos);
    CHECK(text.find("Addendum: Relocation") == std::string::npos);
    CHECK(text.find("signing bonus") == std::string::npos);
}

TEST_CASE("reportlab purchase agreement: list box, radio group, contingency pages", "[form][reportlab]") {
    documents::FillRequest request;
    request.values = {{"buyer_name", "Jordan Smith"},     {"seller_name", "Alex Chen"},   {"property_address", "12 Elm Street, Springfield"},
                      {"parcel_number", "042-117-09"},     {"purchase_price", 485000},     {"earnest_money", 15000},
                      {"closing_date", "30 June 2025"},    {"property_type", "townhouse"}, {"loan_type", "fha"},
                      {"loan_amount", 388000},             {"inspection_days", 10}};
    request.sections = {{"financing_contingency", true}, {"inspection_contingency", false}};
    auto path = fill_to_file(example("residential_purchase_agreement.pdf"), request, "rpa.pdf");
    CHECK(test::page_count(path) == 2);
    auto fields = test::qpdf_fields(path);
    CHECK(fields.at("property_type").value == "townhouse");
    CHECK(fields.at("loan_type").value == "/fha");
    CHECK(fields.at("purchase_price").value == "485000");
    CHECK(fields.count("inspection_days") == 0);
    auto text = test::pdftotext(path);
    CHECK(text.find("12 Elm Street, Springfield") != std::string::npos);
    CHECK(text.find("Addendum: Financing Contingency") != std::string::npos);
    CHECK(text.find("Inspection Contingency") == std::string::npos);

    documents::FillRequest wrong;
    wrong.values = {{"loan_type", "jumbo"}};
    CHECK_THROWS_WITH(documents::fill(example("residential_purchase_agreement.pdf"), wrong),
                      Catch::Contains("loan_type") && Catch::Contains("jumbo") && Catch::Contains("conventional"));
}

TEST_CASE("fill is safe to call from several threads at once", "[form][threads]") {
    std::string nda = stock("nda");
    std::vector<std::string> hashes(4);
    std::vector<std::thread> threads;
    for (std::size_t i = 0; i < hashes.size(); ++i)
        threads.emplace_back([&, i] {
            for (int k = 0; k < 20; ++k) {
                documents::FillRequest request;
                request.values = {{"client_name", "张伟 " + std::to_string(i)}, {"fee", 100 + k}};
                auto filled = documents::fill(nda, request);
                if (k == 19) hashes[i] = documents::describe(filled.pdf).fields.front().value;
            }
        });
    for (auto& t : threads) t.join();
    for (std::size_t i = 0; i < hashes.size(); ++i) CHECK(hashes[i] == "张伟 " + std::to_string(i));
}
