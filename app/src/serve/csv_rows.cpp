#include "csv_rows.hpp"

#include "signflow/base/utf8.hpp"

#include <algorithm>
#include <set>

namespace signflow::app {
using nlohmann::json;

namespace {
using traits = std::char_traits<char>;

// Where a utf-8 check failed, or npos.
std::size_t invalid_utf8(std::string const& s) { return base::utf8_invalid_at(s); }

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A cell as JSON: a plain number (no leading zeros, at most 15 digits, so
// that it survives a double exactly) or true/false keeps that type; all
// else is text.
json cell_value(std::string const& text) {
    if (text == "true") return true;
    if (text == "false") return false;
    std::string_view s = text;
    if (!s.empty() && s.front() == '-') s.remove_prefix(1);
    auto dot = s.find('.');
    std::string_view whole = s.substr(0, dot);
    std::string_view fraction = dot == std::string_view::npos ? std::string_view() : s.substr(dot + 1);
    bool number = all_digits(whole) && (whole.size() == 1 || whole.front() != '0') &&
                  (dot == std::string_view::npos || all_digits(fraction)) &&
                  whole.size() + fraction.size() <= 15;
    if (!number) return text;
    if (dot == std::string_view::npos) return std::stoll(text);
    return std::stod(text);
}

}  // namespace

// ---------------------------------------------------------------- CsvReader

CsvReader::CsvReader(std::istream& in) : in_(in.rdbuf()) {}

int CsvReader::get() {
    if (!carry_.empty()) {
        int c = static_cast<unsigned char>(carry_.front());
        carry_.erase(0, 1);
        return c;
    }
    auto c = in_->sbumpc();
    if (traits::eq_int_type(c, traits::eof())) return -1;
    if (c == '\n') ++line_;
    return traits::to_int_type(traits::to_char_type(c)) & 0xFF;
}

int CsvReader::peek() {
    if (!carry_.empty()) return static_cast<unsigned char>(carry_.front());
    auto c = in_->sgetc();
    return traits::eq_int_type(c, traits::eof()) ? -1 : (traits::to_int_type(traits::to_char_type(c)) & 0xFF);
}

void CsvReader::skip_line() {
    for (int c = get(); c != -1 && c != '\n'; c = get()) {
    }
}

bool CsvReader::next(CsvRecord& out) {
    out.fields.clear();
    out.error.clear();
    if (!started_) {
        started_ = true;
        static constexpr unsigned char bom[] = {0xEF, 0xBB, 0xBF};
        for (unsigned char b : bom) {  // straight from the stream: carry_ is being filled
            auto c = in_->sgetc();
            if (traits::eq_int_type(c, traits::eof()) || static_cast<unsigned char>(traits::to_char_type(c)) != b)
                break;
            carry_ += traits::to_char_type(in_->sbumpc());
        }
        if (carry_.size() == 3) carry_.clear();
    }

    enum class At { field_start, unquoted, quoted, after_quote };
    At at = At::field_start;
    std::string field;
    std::size_t size = 0;
    bool any = false;                   // a byte of this record has been read
    std::int64_t resume_line = 0;       // a quoted field's first line break: where to go back to
    std::streampos resume_at = -1;
    out.line = line_;

    auto end_field = [&] {
        out.fields.push_back(std::move(field));
        field.clear();
        at = At::field_start;
    };
    // A malformed record: the rest of its line is dropped.
    auto malformed = [&](std::string why) {
        out.error = std::move(why);
        skip_line();
        return true;
    };
    // A quoted field that never closes (or grows too long): this record is
    // its first line only; reading goes on from the line after.
    auto unclosed = [&](std::string why) {
        out.error = std::move(why);
        if (resume_line > 0 && resume_at != std::streampos(-1) &&
            in_->pubseekpos(resume_at, std::ios::in) == resume_at) {
            line_ = resume_line;
            carry_.clear();
        } else {
            skip_line();
        }
        return true;
    };

    for (;;) {
        int c = get();
        if (c == -1) {
            if (at == At::quoted)
                return unclosed("a quoted field opened on line " + std::to_string(out.line) +
                                " is never closed (a missing \")");
            if (!any) return false;
            end_field();
            return true;
        }
        any = true;
        if (++size > max_record_bytes) {
            std::string why = "the record is longer than " + std::to_string(max_record_bytes) + " bytes";
            return at == At::quoted ? unclosed(why + " (a missing \"?)") : malformed(why);
        }
        // CR before LF ends a line like LF alone (outside quotes).
        if (c == '\r' && at != At::quoted && peek() == '\n') continue;
        switch (at) {
        case At::field_start:
            if (c == '"') {
                at = At::quoted;
            } else if (c == ',') {
                end_field();
            } else if (c == '\n') {
                if (out.fields.empty()) {  // a blank line: not a record
                    any = false;
                    size = 0;
                    out.line = line_;
                    continue;
                }
                end_field();
                return true;
            } else {
                field += static_cast<char>(c);
                at = At::unquoted;
            }
            break;
        case At::unquoted:
            if (c == ',') {
                end_field();
            } else if (c == '\n') {
                end_field();
                return true;
            } else if (c == '"') {
                return malformed("a \" inside an unquoted field (field " + std::to_string(out.fields.size() + 1) +
                                 "); put the whole field in quotes and double the \"");
            } else {
                field += static_cast<char>(c);
            }
            break;
        case At::quoted:
            if (c == '"') {
                at = At::after_quote;
            } else {
                if (c == '\n' && resume_line == 0) {
                    resume_line = line_;
                    resume_at = carry_.empty() ? in_->pubseekoff(0, std::ios::cur, std::ios::in)
                                               : std::streampos(-1);
                }
                field += static_cast<char>(c);
            }
            break;
        case At::after_quote:
            if (c == '"') {  // "" inside quotes: one quote
                field += '"';
                at = At::quoted;
            } else if (c == ',') {
                end_field();
            } else if (c == '\n') {
                end_field();
                return true;
            } else {
                return malformed("text after the closing \" of field " + std::to_string(out.fields.size() + 1) +
                                 "; a \" inside a quoted field is written \"\"");
            }
            break;
        }
    }
}

// ---------------------------------------------------------------- CsvColumns

std::optional<CsvColumns> CsvColumns::from_header(std::vector<std::string> const& names, std::string& error) {
    CsvColumns c;
    std::set<std::vector<std::string>> seen;
    for (std::size_t i = 0; i < names.size(); ++i) {
        std::string name = names[i];
        auto first = name.find_first_not_of(" \t");
        auto last = name.find_last_not_of(" \t");
        name = first == std::string::npos ? std::string() : name.substr(first, last - first + 1);
        std::string where = "column " + std::to_string(i + 1);
        if (name.empty()) {
            error = where + " has no name; the first line must name every column (e.g. contact.email)";
            return std::nullopt;
        }
        if (invalid_utf8(name) != std::string::npos) {
            error = where + "'s name is not UTF-8 text";
            return std::nullopt;
        }
        std::vector<std::string> path;
        std::size_t start = 0;
        for (;;) {
            auto dot = name.find('.', start);
            path.push_back(name.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
            if (path.back().empty()) {
                error = where + " (`" + name + "`): an empty part between dots";
                return std::nullopt;
            }
            if (dot == std::string::npos) break;
            start = dot + 1;
        }
        if (!seen.insert(path).second) {
            error = where + " (`" + name + "`) appears twice";
            return std::nullopt;
        }
        c.names_.push_back(std::move(name));
        c.paths_.push_back(std::move(path));
    }
    // `a` and `a.b` cannot both hold values.
    for (std::size_t i = 0; i < c.paths_.size(); ++i)
        for (std::size_t j = 0; j < c.paths_.size(); ++j) {
            auto const& a = c.paths_[i];
            auto const& b = c.paths_[j];
            if (i != j && a.size() < b.size() && std::equal(a.begin(), a.end(), b.begin())) {
                error = "columns `" + c.names_[i] + "` and `" + c.names_[j] + "`: `" + c.names_[i] +
                        "` cannot be both a value and an object";
                return std::nullopt;
            }
        }
    return c;
}

bool CsvColumns::to_json(CsvRecord const& record, json& out, std::string& error) const {
    if (record.fields.size() != paths_.size()) {
        error = std::to_string(record.fields.size()) + (record.fields.size() == 1 ? " field" : " fields") +
                ", but the header names " + std::to_string(paths_.size()) + " columns";
        return false;
    }
    out = json::object();
    for (std::size_t i = 0; i < paths_.size(); ++i) {
        auto const& text = record.fields[i];
        if (text.empty()) continue;
        if (auto bad = invalid_utf8(text); bad != std::string::npos) {
            error = "column `" + names_[i] + "` is not UTF-8 text (byte " + std::to_string(bad + 1) + ")";
            return false;
        }
        json* at = &out;
        auto const& path = paths_[i];
        for (std::size_t k = 0; k + 1 < path.size(); ++k) {
            json& next = (*at)[path[k]];
            if (next.is_null()) next = json::object();
            at = &next;
        }
        (*at)[path.back()] = cell_value(text);
    }
    return true;
}

// ---------------------------------------------------------------- JSON lines

bool read_line(std::istream& in, std::string& line, bool& overlong) {
    line.clear();
    overlong = false;
    auto* buf = in.rdbuf();
    bool any = false;
    for (;;) {
        auto c = buf->sbumpc();
        if (traits::eq_int_type(c, traits::eof())) break;
        any = true;
        char ch = traits::to_char_type(c);
        if (ch == '\n') break;
        if (line.size() < CsvReader::max_record_bytes)
            line += ch;
        else
            overlong = true;
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return any;
}

}  // namespace signflow::app
