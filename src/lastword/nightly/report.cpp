#include "lastword/nightly/report.hpp"

#include <boost/json.hpp>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <sstream>

#include "lastword/nightly/coverage.hpp"
#include "lastword/nightly/process.hpp"

namespace lastword::nightly {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string percent(std::uint64_t covered, std::uint64_t total) {
  if (total == 0) return "-";
  std::ostringstream s;
  s << std::fixed << std::setprecision(1) << 100.0 * static_cast<double>(covered) / static_cast<double>(total) << "%";
  return s.str();
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string md_cell(std::string s) {
  for (auto& c : s)
    if (c == '|' || c == '\n') c = ' ';
  return s;
}

json::value to_json(const run_result& r) {
  json::object o;
  o["run"] = r.id;
  o["started"] = r.started;
  o["finished"] = r.finished;
  o["budget_seconds"] = r.opts.budget;
  o["jobs"] = r.opts.jobs;
  o["seed"] = r.opts.seed;
  o["implementation"] = r.opts.impl;
  o["store"] = r.opts.store.string();
  json::array targets;
  for (const auto& t : r.targets) {
    json::object to{{"name", t.name},
                    {"applicable", t.applicable},
                    {"not_applicable", t.not_applicable},
                    {"seed", t.seed},
                    {"share_seconds", t.share},
                    {"seconds", t.seconds},
                    {"executions", t.executions},
                    {"exec_per_second", t.seconds > 0 ? static_cast<double>(t.executions) / t.seconds : 0.0},
                    {"coverage", t.coverage},
                    {"features", t.features},
                    {"corpus_before", t.corpus_before},
                    {"corpus_after", t.corpus_after},
                    {"new_inputs", t.new_inputs},
                    {"generation", t.generation},
                    {"failures", t.failures},
                    {"merge_error", t.merge_error}};
    json::array samples;
    for (const auto& s : t.samples)
      samples.push_back(json::array{s.seconds, s.executions, s.coverage, s.features, s.corpus, s.exec_per_second});
    to["samples"] = json::object{{"columns", json::array{"seconds", "executions", "coverage", "features", "corpus",
                                                         "exec_per_second"}},
                                 {"rows", std::move(samples)}};
    targets.push_back(std::move(to));
  }
  o["targets"] = std::move(targets);
  json::array findings;
  for (const auto& f : r.findings)
    findings.push_back(json::object{{"id", f.id},
                                    {"new", f.is_new},
                                    {"target", f.target},
                                    {"kind", f.kind},
                                    {"implementation", f.implementation},
                                    {"invariant", f.invariant},
                                    {"what", f.what},
                                    {"signature", f.signature},
                                    {"classification", f.classification},
                                    {"reason", f.reason},
                                    {"input", f.input},
                                    {"scenario", f.scenario},
                                    {"reproduce", f.reproduce},
                                    {"count", f.count}});
  o["findings"] = std::move(findings);
  o["new_findings"] = r.new_findings();
  const auto& m = r.model;
  const auto& e = m.figures;
  o["model"] = json::object{{"ran", m.ran},
                            {"not_applicable", m.not_applicable},
                            {"scope", m.scope},
                            {"states", e.states},
                            {"paths", e.paths},
                            {"runs", e.runs},
                            {"transitions", e.transitions},
                            {"depth", e.depth},
                            {"complete", e.complete},
                            {"frontier", e.frontier},
                            {"interrupted", e.interrupted},
                            {"seconds", e.seconds},
                            {"closure", m.ran ? explore::closure(e) : ""},
                            {"finding", m.finding}};
  json::array files, folders;
  const auto add = [](json::array& into, const coverage_file& c) {
    into.push_back(json::object{{"path", c.file},
                                {"lines", c.lines},
                                {"lines_covered", c.lines_covered},
                                {"branches", c.branches},
                                {"branches_covered", c.branches_covered},
                                {"functions", c.functions},
                                {"functions_covered", c.functions_covered}});
  };
  for (const auto& c : r.coverage) add(files, c);
  for (const auto& c : coverage_by_folder(r.coverage)) add(folders, c);
  o["coverage"] = json::object{{"files", std::move(files)},
                               {"folders", std::move(folders)},
                               {"html", r.coverage_html},
                               {"error", r.coverage_error}};
  return o;
}

// One sentence on the model checker's part, for the Markdown and HTML.
std::string model_summary(const model_result& m) {
  if (!m.not_applicable.empty()) return "Not applicable: " + m.not_applicable + ".";
  if (!m.ran) return "Not run (--no-model, or the run was stopped).";
  std::ostringstream s;
  s << "Scope " << m.scope << " (messages, fragments, sends): " << m.figures.states << " model states along "
    << m.figures.paths << " paths, " << m.figures.runs << " runs, " << std::fixed << std::setprecision(1)
    << m.figures.seconds << " s. ";
  const std::string closure = explore::closure(m.figures);
  if (!m.finding.empty()) s << "Refuted: finding " << m.finding << ".";
  else if (m.figures.interrupted) s << "Stopped by a signal before the search closed, " << closure << ".";
  else s << "Every invariant holds (" << closure << ").";
  return s.str();
}

// gnuplot draws the plots: one SVG each, read back to be inlined.
bool draw_plots(const run_result& r, const fs::path& dir, std::vector<std::pair<std::string, std::string>>& svgs,
                std::string* error) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::ostringstream gp;
  gp << "set terminal svg size 700,320 fixed noenhanced font 'Helvetica,11' background rgb 'white'\n"
     << "set grid\nset key outside right top\nset datafile separator whitespace\n";
  std::string cov_plot, eps_plot;
  for (const auto& t : r.targets) {
    if (!t.applicable || t.samples.empty()) continue;
    const std::string file = "samples_" + t.name + ".dat";
    std::ofstream d(dir / file);
    d << "# seconds executions coverage features corpus exec_per_second\n";
    for (const auto& s : t.samples)
      d << s.seconds << ' ' << s.executions << ' ' << s.coverage << ' ' << s.features << ' ' << s.corpus << ' '
        << s.exec_per_second << '\n';
    cov_plot += (cov_plot.empty() ? "" : ", ") + std::string("'") + file + "' using 1:3 with steps lw 2 title '" +
                t.name + "'";
    // A log scale cannot show 0 exec/s (a target that failed at once):
    // such points are left out, and so is a target with no other.
    bool moving = false;
    for (const auto& smp : t.samples) moving = moving || smp.exec_per_second > 0;
    if (moving)
      eps_plot += (eps_plot.empty() ? "" : ", ") + std::string("'") + file +
                  "' using 1:($6 > 0 ? $6 : 1/0) with linespoints lw 2 pt 7 ps 0.5 title '" + t.name + "'";
  }
  std::ofstream(dir / "none.dat") << "0 1 1 1 1 1\n";
  if (cov_plot.empty()) cov_plot = "'none.dat' using 1:3 with points title 'no status lines'";
  if (eps_plot.empty()) eps_plot = "'none.dat' using 1:6 with points title 'no executions'";
  gp << "set output 'coverage.svg'\nset title 'Coverage (libFuzzer cov: edges) over the run'\n"
     << "set xlabel 'seconds of fuzzing'\nset ylabel 'edges covered'\nplot " << cov_plot << "\n";
  // Targets differ by orders of magnitude in speed: a log scale shows each.
  gp << "set output 'exec_per_second.svg'\nset title 'Executions per second over the run'\n"
     << "set logscale y\nset xlabel 'seconds of fuzzing'\nset ylabel 'exec/s (log scale)'\nplot " << eps_plot
     << "\nunset logscale y\n";
  // Across runs on this store: corpus size per target, new findings.
  {
    std::ofstream d(dir / "history.dat");
    std::vector<std::string> names;
    for (const auto& t : r.targets) names.push_back(t.name);
    d << "# run";
    for (const auto& n : names) d << ' ' << n;
    d << " new_findings\n";
    int i = 0;
    for (const auto& h : r.history) {
      d << ++i;
      for (const auto& n : names) {
        std::uint64_t v = 0;
        for (const auto& [k, c] : h.corpus)
          if (k == n) v = c;
        d << ' ' << v;
      }
      d << ' ' << h.new_findings << '\n';
    }
    gp << "set output 'corpus.svg'\nset title 'Stored corpus size after each run'\nset xlabel 'run on this store'\n"
       << "set ylabel 'inputs'\nset xtics 1\nset offsets 0.2, 0.2, 0, 0\nplot ";
    for (std::size_t k = 0; k < names.size(); ++k)
      gp << (k ? ", " : "") << "'history.dat' using 1:" << k + 2 << " with linespoints lw 2 pt 7 title '" << names[k]
         << "'";
    gp << "\nset output 'findings.svg'\nset title 'New findings per run'\nset ylabel 'new findings'\n"
       << "set yrange [0:*]\nset style fill solid 0.6\nset boxwidth 0.5\nplot 'history.dat' using 1:"
       << names.size() + 2 << " with boxes title 'new findings'\n";
  }
  std::ofstream(dir / "plots.gp") << gp.str();
  auto [status, output] = run_to_end({"/usr/bin/env", "gnuplot", "plots.gp"}, {}, 120, dir.string());
  if (status != 0) {
    if (error) *error = "gnuplot failed (exit " + std::to_string(status) + "): " + output.substr(0, 400);
    return false;
  }
  for (const auto& [name, title] :
       {std::pair{"coverage.svg", "Coverage over time"}, std::pair{"exec_per_second.svg", "Executions per second"},
        std::pair{"corpus.svg", "Corpus growth"}, std::pair{"findings.svg", "New findings"}}) {
    std::ifstream in(dir / name);
    std::string svg((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto at = svg.find("<svg");
    if (at == std::string::npos) {
      if (error) *error = "gnuplot wrote no SVG to " + (dir / name).string();
      return false;
    }
    svgs.emplace_back(title, svg.substr(at));
  }
  return true;
}

}  // namespace

bool write_reports(const run_result& r, const fs::path& out_dir, std::string* error) {
  std::error_code ec;
  fs::create_directories(out_dir, ec);
  std::ofstream(out_dir / "report.json") << json::serialize(to_json(r)) << '\n';
  const auto folders = coverage_by_folder(r.coverage);
  // Markdown.
  std::ostringstream md;
  md << "# lastword nightly " << r.id << "\n\n"
     << "Started " << r.started << ", finished " << r.finished << "; budget " << r.opts.budget << " s, "
     << r.opts.jobs << " job(s), seed " << r.opts.seed << ", implementation `" << r.opts.impl << "`, store `"
     << r.opts.store.string() << "`.\n\n## Targets\n\n"
     << "| target | seconds | execs | exec/s | cov | ft | corpus before | corpus after | generation | failures |\n"
     << "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& t : r.targets) {
    if (!t.applicable) {
      md << "| " << t.name << " | n/a: " << md_cell(t.not_applicable) << " | | | | | " << t.corpus_before << " | "
         << t.corpus_after << " | " << t.generation << " | |\n";
      continue;
    }
    md << "| " << t.name << " | " << std::fixed << std::setprecision(1) << t.seconds << " | " << t.executions << " | "
       << std::setprecision(0) << (t.seconds > 0 ? static_cast<double>(t.executions) / t.seconds : 0.0) << " | "
       << t.coverage << " | " << t.features << " | " << t.corpus_before << " | " << t.corpus_after << " | "
       << t.generation << " | " << t.failures << " |\n";
  }
  md.unsetf(std::ios::fixed);
  md << "\n## Model checker\n\n" << model_summary(r.model) << "\n";
  md << "\n## Findings\n\n";
  if (r.findings.empty()) md << "None.\n";
  else {
    md << "| id | new | target | kind | invariant | class | what | reproduce |\n|---|---|---|---|---|---|---|---|\n";
    for (const auto& f : r.findings)
      md << "| " << f.id << " | " << (f.is_new ? "new" : "known") << " | " << f.target << " | " << f.kind << " | "
         << f.invariant << " | " << f.classification << " | " << md_cell(f.what.substr(0, 200)) << " | `"
         << md_cell(f.reproduce) << "` |\n";
  }
  md << "\n## Coverage of the reference\n\n";
  if (!r.coverage_error.empty()) md << "Not measured: " << r.coverage_error << "\n";
  else if (r.coverage.empty()) md << "Not measured (--no-coverage).\n";
  else {
    md << "From the stored corpora (llvm-cov; HTML view: `" << r.coverage_html << "`).\n\n"
       << "| folder | lines | lines % | branches | branches % |\n|---|---|---|---|---|\n";
    for (const auto& c : folders)
      md << "| " << c.file << " | " << c.lines_covered << "/" << c.lines << " | " << percent(c.lines_covered, c.lines)
         << " | " << c.branches_covered << "/" << c.branches << " | " << percent(c.branches_covered, c.branches) << " |\n";
    md << "\n| file | lines | lines % | branches | branches % |\n|---|---|---|---|---|\n";
    for (const auto& c : r.coverage)
      md << "| " << c.file << " | " << c.lines_covered << "/" << c.lines << " | " << percent(c.lines_covered, c.lines)
         << " | " << c.branches_covered << "/" << c.branches << " | " << percent(c.branches_covered, c.branches) << " |\n";
  }
  std::ofstream(out_dir / "report.md") << md.str();
  // HTML, one page.
  std::vector<std::pair<std::string, std::string>> svgs;
  if (!draw_plots(r, out_dir / "plots", svgs, error)) return false;
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>lastword nightly " << html_escape(r.id)
    << "</title>\n<style>body{font-family:Helvetica,Arial,sans-serif;margin:2em;color:#222}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
       "td:first-child,th:first-child{text-align:left}.plots{display:flex;flex-wrap:wrap;gap:1em}"
       ".plot{border:1px solid #ddd;margin:0}.new{color:#b00;font-weight:bold}code{font-size:90%}</style></head>\n<body>\n"
    << "<h1>lastword nightly " << html_escape(r.id) << "</h1>\n<p>Started " << r.started << ", finished " << r.finished
    << "; budget " << r.opts.budget << " s, " << r.opts.jobs << " job(s), seed " << r.opts.seed
    << ", implementation <code>" << html_escape(r.opts.impl) << "</code>. "
    << (r.new_findings() ? "<span class=\"new\">" + std::to_string(r.new_findings()) + " new finding(s)</span>"
                         : std::string("Nothing new."))
    << "</p>\n<div class=\"plots\">\n";
  for (const auto& [title, svg] : svgs) h << "<figure class=\"plot\" title=\"" << title << "\">" << svg << "</figure>\n";
  h << "</div>\n<h2>Targets</h2>\n<table><tr><th>target</th><th>seconds</th><th>execs</th><th>exec/s</th><th>cov</th>"
       "<th>ft</th><th>corpus</th><th>generation</th><th>failures</th></tr>\n";
  for (const auto& t : r.targets)
    h << "<tr><td>" << t.name << "</td><td>" << (t.applicable ? std::to_string(static_cast<int>(t.seconds)) : "n/a")
      << "</td><td>" << t.executions << "</td><td>"
      << (t.seconds > 0 ? static_cast<std::uint64_t>(static_cast<double>(t.executions) / t.seconds) : 0) << "</td><td>"
      << t.coverage << "</td><td>" << t.features << "</td><td>" << t.corpus_before << " &rarr; " << t.corpus_after
      << "</td><td>" << t.generation << "</td><td>" << t.failures << "</td></tr>\n";
  h << "</table>\n<h2>Model checker</h2>\n<p>" << html_escape(model_summary(r.model)) << "</p>\n<h2>Findings</h2>\n";
  if (r.findings.empty()) h << "<p>None.</p>\n";
  else {
    h << "<table><tr><th>id</th><th>new</th><th>target</th><th>kind</th><th>invariant</th><th>class</th><th>what</th>"
         "<th>reproduce</th></tr>\n";
    for (const auto& f : r.findings)
      h << "<tr><td>" << f.id << "</td><td>" << (f.is_new ? "<span class=\"new\">new</span>" : "known") << "</td><td>"
        << f.target << "</td><td>" << html_escape(f.kind) << "</td><td>" << html_escape(f.invariant) << "</td><td>"
        << f.classification << "</td><td style=\"text-align:left\">" << html_escape(f.what.substr(0, 300))
        << "</td><td style=\"text-align:left\"><code>" << html_escape(f.reproduce) << "</code></td></tr>\n";
    h << "</table>\n";
  }
  h << "<h2>Coverage of the reference</h2>\n";
  if (r.coverage.empty()) h << "<p>Not measured" << (r.coverage_error.empty() ? "" : ": " + html_escape(r.coverage_error)) << ".</p>\n";
  else {
    h << "<p>From the stored corpora; llvm-cov's view: <code>" << html_escape(r.coverage_html) << "</code></p>\n"
      << "<table><tr><th>folder / file</th><th>lines</th><th>%</th><th>branches</th><th>%</th></tr>\n";
    for (const auto* list : {&folders, &r.coverage})
      for (const auto& c : *list)
        h << "<tr><td>" << (list == &folders ? "<b>" + c.file + "</b>" : c.file) << "</td><td>" << c.lines_covered
          << "/" << c.lines << "</td><td>" << percent(c.lines_covered, c.lines) << "</td><td>" << c.branches_covered
          << "/" << c.branches << "</td><td>" << percent(c.branches_covered, c.branches) << "</td></tr>\n";
    h << "</table>\n";
  }
  // Marks the page once the browser has laid the plots out, for the test
  // that opens it headless (and for anyone checking by hand).
  h << "<script>window.addEventListener('load',function(){var n=0;document.querySelectorAll('figure.plot svg')"
       ".forEach(function(s){var b=s.getBoundingClientRect();if(b.width>100&&b.height>100&&"
       "s.querySelectorAll('g[id^=gnuplot_plot_] path').length>0)n++;});document.body.setAttribute('data-plots-rendered',String(n));});"
       "</script>\n</body></html>\n";
  std::ofstream(out_dir / "report.html") << h.str();
  return true;
}

}  // namespace lastword::nightly
