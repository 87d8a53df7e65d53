#include "lastword/nightly/records.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <sstream>

namespace lastword::nightly {
namespace {

std::string text_of(const boost::json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

std::vector<finding::record> parse_findings(const std::string& text) {
  std::vector<finding::record> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    boost::json::error_code ec;
    const auto v = boost::json::parse(line, ec);
    if (ec || !v.is_object()) continue;
    const auto& o = v.as_object();
    finding::record r;
    r.kind = text_of(o, "kind");
    r.layer = text_of(o, "layer");
    r.target = text_of(o, "target");
    r.implementation = text_of(o, "implementation");
    r.invariant = text_of(o, "invariant");
    r.what = text_of(o, "what");
    r.artifact = text_of(o, "artifact");
    r.input_sha1 = text_of(o, "input_sha1");
    r.reproduce = text_of(o, "reproduce");
    if (const auto* e = o.if_contains("executions"); e && e->is_number()) r.executions = e->to_number<std::uint64_t>();
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<finding::record> read_findings(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return parse_findings(std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
}

}  // namespace lastword::nightly
