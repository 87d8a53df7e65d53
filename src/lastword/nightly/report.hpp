// lastword/nightly/report.hpp: the reports of a nightly run, in its --out
// folder: report.json (Boost.JSON, for machines), report.md (for people),
// report.html (one self-contained page: tables and the plots, drawn by
// gnuplot as SVG and inlined, so that it opens offline).
#pragma once

#include <filesystem>
#include <string>

#include "lastword/nightly/run.hpp"

namespace lastword::nightly {

bool write_reports(const run_result& r, const std::filesystem::path& out_dir, std::string* error);

}  // namespace lastword::nightly
