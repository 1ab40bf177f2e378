// libFuzzer: a bulk-send upload (untrusted) through the CSV reader and the
// header's mapping to JSON (app/src/serve/csv_rows.hpp), and through the
// JSON-lines splitter. Properties: no crash, no sanitizer report; every
// record but the first is on a later line than the one before; a row the
// mapping accepts dumps as JSON (valid UTF-8) without throwing.
#include "serve/csv_rows.hpp"

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

extern "C" int LLVMFuzzerTestOneInput(std::uint8_t const* data, std::size_t size) {
    using namespace signflow::app;
    std::string text(reinterpret_cast<char const*>(data), size);
    {
        std::istringstream in(text);
        CsvReader reader(in);
        CsvRecord record;
        std::optional<CsvColumns> columns;
        std::int64_t last_line = 0;
        std::string error;
        while (reader.next(record)) {
            if (record.line <= last_line) std::abort();  // lines only go forward
            last_line = record.line;
            if (!record.error.empty()) continue;
            if (!columns) {
                columns = CsvColumns::from_header(record.fields, error);
                if (!columns) break;
                continue;
            }
            nlohmann::json row;
            if (columns->to_json(record, row, error)) (void)row.dump();
        }
    }
    {
        std::istringstream in(text);
        std::string line;
        bool overlong = false;
        while (read_line(in, line, overlong))
            if (line.size() > CsvReader::max_record_bytes) std::abort();
    }
    return 0;
}
