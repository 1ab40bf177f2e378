#pragma once
// Rows of a bulk-send file (docs/http-api.md, "Bulk send"), read one at a
// time from a stream so that a 100,000-row file never sits whole in memory.
//
// CsvReader reads CSV as spreadsheets write it (RFC 4180): fields separated
// by commas, records by LF or CRLF; a field in double quotes may hold commas,
// line breaks and doubled quotes (""). A UTF-8 byte order mark at the start
// is skipped; blank lines are skipped. A malformed record (a stray quote in
// an unquoted field, text after a closing quote, a quoted field never
// closed, a record over max_record_bytes) comes back with `error` set and
// the reader goes on with the next line: one bad line never stops the
// others. An unclosed quote would otherwise swallow the rest of the file, so
// the reader goes back to the line after the one where it opened (this is
// why the stream must be seekable: a file or a string stream).
//
// CsvColumns maps a header and a record to the JSON object an envelope
// starts from: dotted column names build nested objects (`client.email` →
// {"client": {"email": …}}), empty cells are absent, and a cell that reads
// as a plain number or true/false gets that type (JSON lines carry exact
// types when that guess is not wanted).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <vector>

namespace signflow::app {

struct CsvRecord {
    std::vector<std::string> fields;
    std::int64_t line = 0;  // the line (from 1) the record starts on
    std::string error;      // non-empty: the record is malformed, and why
};

class CsvReader {
public:
    // A record longer than this is refused (a missing quote or newline must
    // not make the reader hold a whole file).
    static constexpr std::size_t max_record_bytes = 1024 * 1024;

    explicit CsvReader(std::istream& in);

    // The next record; false at the end of the input.
    bool next(CsvRecord& out);

private:
    int get();   // the next byte, or -1 at the end; counts lines
    int peek();  // the next byte without taking it, or -1
    void skip_line();

    std::streambuf* in_;
    std::int64_t line_ = 1;
    bool started_ = false;  // the byte order mark has been looked for
    std::string carry_;     // bytes of a partial BOM, given back as text
};

// The header of a CSV file, checked: every name non-empty, no name twice, no
// name both a value and an object (`client` and `client.email`).
class CsvColumns {
public:
    // Nullopt and `error` set when the header cannot be used.
    static std::optional<CsvColumns> from_header(std::vector<std::string> const& names, std::string& error);

    std::size_t size() const { return paths_.size(); }

    // The row as an event's data. False and `error` set when the record does
    // not fit the header (another number of fields, text that is not UTF-8).
    bool to_json(CsvRecord const& record, nlohmann::json& out, std::string& error) const;

private:
    std::vector<std::string> names_;
    std::vector<std::vector<std::string>> paths_;
};

// A line of a JSON-lines file (at most CsvReader::max_record_bytes), without
// its LF or CRLF. False at the end of the input; `overlong` when the line was
// longer (the rest of it skipped).
bool read_line(std::istream& in, std::string& line, bool& overlong);

}  // namespace signflow::app
