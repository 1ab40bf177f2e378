// The audit chain: canonical form, linking, JSON, export and import.
// Verification is in chain_verify.cpp.
#include "signflow/evidence/audit.hpp"

#include "signflow/base/utf8.hpp"

#include "signflow/evidence/digest.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>

namespace signflow::evidence {

namespace {

using json = nlohmann::json;

bool digits_at(std::string_view s, std::size_t from, std::size_t count) {
    for (std::size_t i = from; i < from + count; ++i)
        if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    return true;
}

int number_at(std::string_view s, std::size_t from, std::size_t count) {
    int n = 0;
    for (std::size_t i = from; i < from + count; ++i) n = n * 10 + (s[i] - '0');
    return n;
}

// "YYYY-MM-DDTHH:MM:SS.mmm" with plausible ranges (a leap second's :60 too).
bool is_timestamp_body(std::string_view s) {
    if (s.size() < 23) return false;
    bool shape = digits_at(s, 0, 4) && s[4] == '-' && digits_at(s, 5, 2) && s[7] == '-' && digits_at(s, 8, 2) &&
                 s[10] == 'T' && digits_at(s, 11, 2) && s[13] == ':' && digits_at(s, 14, 2) && s[16] == ':' &&
                 digits_at(s, 17, 2) && s[19] == '.' && digits_at(s, 20, 3);
    if (!shape) return false;
    int month = number_at(s, 5, 2), day = number_at(s, 8, 2);
    return month >= 1 && month <= 12 && day >= 1 && day <= 31 && number_at(s, 11, 2) < 24 &&
           number_at(s, 14, 2) < 60 && number_at(s, 17, 2) <= 60;
}

bool is_utc_timestamp(std::string_view s) { return s.size() == 24 && is_timestamp_body(s) && s[23] == 'Z'; }

bool is_local_timestamp(std::string_view s) {
    if (!is_timestamp_body(s)) return false;
    auto offset = s.substr(23);
    if (offset == "Z") return true;
    return offset.size() == 6 && (offset[0] == '+' || offset[0] == '-') && digits_at(offset, 1, 2) &&
           offset[3] == ':' && digits_at(offset, 4, 2) && number_at(offset, 1, 2) < 24 && number_at(offset, 4, 2) < 60;
}

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool is_utf8(std::string_view text) { return base::utf8_valid(text); }

bool is_utf8_json(json const& value) {
    if (value.is_string()) return is_utf8(std::string_view(value.get_ref<std::string const&>()));
    if (value.is_object()) {
        for (auto const& [key, item] : value.items())
            if (!is_utf8(std::string_view(key)) || !is_utf8_json(item)) return false;
    }
    if (value.is_array()) {
        for (auto const& item : value)
            if (!is_utf8_json(item)) return false;
    }
    return true;
}

// Invalid UTF-8 replaced by U+FFFD, the way nlohmann's `replace` handler
// does it (the slow way, for the rare broken header), so that the stored
// entry is exactly what canonical() hashes.
void repair_utf8(std::string& text) {
    if (!is_utf8(std::string_view(text)))
        text = json::parse(json(text).dump(-1, ' ', false, json::error_handler_t::replace)).get<std::string>();
}

bool has_float(json const& value) {
    if (value.is_number_float()) return true;
    if (value.is_structured())
        for (auto const& item : value)
            if (has_float(item)) return true;
    return false;
}

// Throws naming the first float's path (only called when there is one).
void refuse_floats(json const& value, std::string const& path) {
    if (value.is_number_float())
        throw std::invalid_argument(path + ": a floating-point number; audit details hold strings, integers, "
                                           "booleans, null, arrays and objects only (the text form of a float "
                                           "differs between JSON libraries, so a third party could not re-hash it)");
    if (value.is_object())
        for (auto const& [key, item] : value.items()) refuse_floats(item, path + "." + key);
    if (value.is_array())
        for (std::size_t i = 0; i < value.size(); ++i) refuse_floats(value[i], path + "[" + std::to_string(i) + "]");
}

std::string const& string_field(json const& object, char const* name) {
    auto it = object.find(name);
    if (it == object.end()) throw std::invalid_argument(std::string(name) + ": missing");
    if (!it->is_string()) throw std::invalid_argument(std::string(name) + ": not a string");
    return it->get_ref<std::string const&>();
}

std::int64_t integer_field(json const& object, char const* name) {
    auto it = object.find(name);
    if (it == object.end()) throw std::invalid_argument(std::string(name) + ": missing");
    if (it->is_number_unsigned()) {
        auto value = it->get<std::uint64_t>();
        if (value > static_cast<std::uint64_t>(INT64_MAX))
            throw std::invalid_argument(std::string(name) + ": too large");
        return static_cast<std::int64_t>(value);
    }
    if (!it->is_number_integer()) throw std::invalid_argument(std::string(name) + ": not an integer");
    return it->get<std::int64_t>();
}

bool is_hash(std::string_view s) {
    if (s.size() != 64) return false;
    for (char c : s)
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    return true;
}

}  // namespace

std::string canonical(AuditEntry const& e) {
    // Written field by field in sorted key order rather than through a json
    // object (which copies `detail` and builds a map per entry: 3x slower);
    // strings and `detail` go through json::dump(), so the bytes are
    // exactly json's compact, key-sorted form (the tests compare both).
    // Invalid UTF-8 throws json::type_error; link() never stores any.
    auto quoted = [](std::string const& text) { return json(text).dump(); };
    std::string out;
    out.reserve(256 + e.user_agent.size());
    out += "{\"actor\":";
    out += quoted(e.actor);
    out += ",\"at\":";
    out += quoted(e.at);
    out += ",\"detail\":";
    out += e.detail.is_null() ? "{}" : e.detail.dump();
    out += ",\"envelope\":";
    out += std::to_string(e.envelope);
    out += ",\"ip\":";
    out += quoted(e.ip);
    out += ",\"kind\":";
    out += quoted(e.kind);
    out += ",\"local\":";
    out += quoted(e.local);
    out += ",\"seq\":";
    out += std::to_string(e.seq);
    out += ",\"user_agent\":";
    out += quoted(e.user_agent);
    out += ",\"zone\":";
    out += quoted(e.zone);
    out += "}";
    return out;
}

std::string subject_of(AuditEntry const& e) {
    if (e.detail.is_object())
        if (auto it = e.detail.find("on_behalf_of"); it != e.detail.end() && it->is_string()) return *it;
    return e.actor;
}

std::string subject_of(json const& entry) {
    if (!entry.is_object()) return {};
    if (auto d = entry.find("detail"); d != entry.end() && d->is_object())
        if (auto it = d->find("on_behalf_of"); it != d->end() && it->is_string()) return *it;
    auto a = entry.find("actor");
    return a != entry.end() && a->is_string() ? a->get<std::string>() : std::string();
}

std::string entry_hash(AuditEntry const& entry) { return sha256_hex(entry.prev + canonical(entry)); }

std::string genesis_hash() { return std::string(64, '0'); }

AuditEntry& link(AuditEntry& e, std::string const& prev) {
    if (!is_hash(prev)) throw std::invalid_argument("prev: not 64 lowercase hex digits");
    if (e.seq < 1) throw std::invalid_argument("seq: " + std::to_string(e.seq) + ", entries count from 1");
    if (!is_utc_timestamp(e.at))
        throw std::invalid_argument("at: \"" + e.at + "\" is not UTC RFC 3339 with milliseconds (2026-11-27T09:14:03.120Z)");
    if (!e.local.empty() && !is_local_timestamp(e.local))
        throw std::invalid_argument("local: \"" + e.local +
                                    "\" is not RFC 3339 with milliseconds and an offset (2026-11-27T17:14:03.120+08:00)");
    if (e.kind.empty()) throw std::invalid_argument("kind: empty");
    for (char c : e.kind)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
            throw std::invalid_argument("kind: \"" + e.kind + "\" has characters other than a-z, 0-9 and _");
    if (e.actor.empty()) throw std::invalid_argument("actor: empty (use \"system\" for the engine itself)");
    if (e.detail.is_null()) e.detail = json::object();
    if (!e.detail.is_object()) throw std::invalid_argument("detail: not an object");
    if (has_float(e.detail)) refuse_floats(e.detail, "detail");

    for (auto* field : {&e.local, &e.zone, &e.actor, &e.ip, &e.user_agent}) repair_utf8(*field);
    if (!is_utf8_json(e.detail)) e.detail = json::parse(e.detail.dump(-1, ' ', false, json::error_handler_t::replace));
    e.prev = prev;
    e.hash = entry_hash(e);
    return e;
}

std::string format_utc(std::int64_t unix_ms) {
    using namespace std::chrono;
    sys_time<milliseconds> t{milliseconds{unix_ms}};
    auto day = floor<days>(t);
    year_month_day date{day};
    hh_mm_ss<milliseconds> time{t - day};
    char text[32];
    std::snprintf(text, sizeof text, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(date.year()),
                  static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                  static_cast<int>(time.hours().count()), static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()), static_cast<int>(time.subseconds().count()));
    return text;
}

json to_json(AuditEntry const& e) {
    return {
        {"envelope", e.envelope}, {"seq", e.seq},   {"at", e.at},
        {"local", e.local},       {"zone", e.zone}, {"kind", e.kind},
        {"actor", e.actor},       {"ip", e.ip},     {"user_agent", e.user_agent},
        {"detail", e.detail},     {"prev", e.prev}, {"hash", e.hash},
    };
}

AuditEntry entry_from_json(json const& j) {
    if (!j.is_object()) throw std::invalid_argument("an audit entry must be a JSON object");
    AuditEntry e;
    e.envelope = integer_field(j, "envelope");
    e.seq = integer_field(j, "seq");
    e.at = string_field(j, "at");
    e.local = string_field(j, "local");
    e.zone = string_field(j, "zone");
    e.kind = string_field(j, "kind");
    e.actor = string_field(j, "actor");
    e.ip = string_field(j, "ip");
    e.user_agent = string_field(j, "user_agent");
    auto detail = j.find("detail");
    if (detail == j.end()) throw std::invalid_argument("detail: missing");
    if (!detail->is_object()) throw std::invalid_argument("detail: not an object");
    e.detail = *detail;
    e.prev = string_field(j, "prev");
    e.hash = string_field(j, "hash");
    if (!is_hash(e.prev)) throw std::invalid_argument("prev: not 64 lowercase hex digits");
    if (!is_hash(e.hash)) throw std::invalid_argument("hash: not 64 lowercase hex digits");
    return e;
}

json export_chain(std::span<AuditEntry const> entries) {
    json list = json::array();
    for (auto const& e : entries) list.push_back(to_json(e));
    return {
        {"format", "signflow-audit/1"},
        {"envelope", entries.empty() ? json(nullptr) : json(entries.front().envelope)},
        {"entries", std::move(list)},
        {"head", entries.empty() ? genesis_hash() : entries.back().hash},
    };
}

std::vector<AuditEntry> import_chain(json const& exported) {
    if (!exported.is_object()) throw std::invalid_argument("not an exported audit chain: the top level is not an object");
    auto format = exported.find("format");
    if (format == exported.end() || !format->is_string())
        throw std::invalid_argument("not an exported audit chain: no \"format\" (expected \"signflow-audit/1\")");
    if (*format != "signflow-audit/1")
        throw std::invalid_argument("format: \"" + format->get<std::string>() +
                                    "\" is not one this version reads (\"signflow-audit/1\")");
    auto list = exported.find("entries");
    if (list == exported.end() || !list->is_array()) throw std::invalid_argument("entries: missing or not an array");
    std::vector<AuditEntry> entries;
    entries.reserve(list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
        auto where = "entries[" + std::to_string(i) + "]";
        if (!(*list)[i].is_object()) throw std::invalid_argument(where + ": not an object");
        try {
            entries.push_back(entry_from_json((*list)[i]));
        } catch (std::invalid_argument const& e) {
            throw std::invalid_argument(where + "." + e.what());
        }
    }
    return entries;
}

}  // namespace signflow::evidence
