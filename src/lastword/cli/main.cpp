// The `lastword` command: subcommands dispatch to lastword/cli/.
#include <iostream>
#include <string>
#include <vector>

#include "lastword/cli/blackbox.hpp"
#include "lastword/cli/check.hpp"
#include "lastword/cli/decode.hpp"
#include "lastword/cli/detect.hpp"
#include "lastword/cli/explore.hpp"
#include "lastword/cli/nightly.hpp"
#include "lastword/cli/replay.hpp"

namespace {

constexpr const char* usage =
    "usage: lastword COMMAND [ARGS]\n"
    "\n"
    "commands:\n"
    "  check [--impl NAME] [--budget SECONDS] [--seed N] [--corpus DIR] [--out DIR] [--waive LIST]\n"
    "      hold an implementation to every invariant with every layer: the model checker, the\n"
    "      regression corpus, random scenarios, the properties and the connection, refinement,\n"
    "      protocol_receive, assembler and differential fuzz targets\n"
    "  decode [--role client|server] [--hex] [--max-size BYTES] [FILE|-]\n"
    "      print the frames in a received byte stream and how it ends\n"
    "  explore [--impl NAME|all|none] [--messages N] [--fragments N] [--sends N] [--depth N]\n"
    "          [--jobs N] [--shard K/N] [--json FILE] [--out DIR] | --merge FILE...\n"
    "      model-check the contract, and implementations against it, within a scope; says whether\n"
    "      the search closed (complete) or stopped at its depth (bounded)\n"
    "  detect [--budget SECONDS] [--seeds N] [--json FILE] [--props PATH] [--fuzzer PATH]\n"
    "      the detection table: every implementation against every layer of checks\n"
    "  nightly [--budget DURATION] [--targets LIST] [--jobs N] [--store DIR] [--out DIR]\n"
    "      the long fuzz run: a corpus store that grows, findings deduplicated, minimized and\n"
    "      classified, the model checker in a larger scope, the coverage of the reference,\n"
    "      reports (JSON, Markdown, HTML)\n"
    "  adopt FINDING --name NAME\n"
    "      turn a nightly finding into corpus/regressions/NAME.scenario and its regression test\n"
    "  replay SCENARIO [--impl NAME] [--bytes | --differential | --kind KIND] [--quiet] [--waive LIST]\n"
    "      run a scenario in the simulation: timeline and verdict\n"
    "  blackbox --client 'COMMAND ... {url} ...' | --server 'COMMAND ... {port} ...' [SCENARIO|DIR ...]\n"
    "           [--repeat N] [--seed N] [--profile recv|events] [--jobs N] [--json FILE] [--markdown FILE]\n"
    "      judge a real implementation over TCP through an adapter (clients/README.md)\n"
    "  list\n"
    "      the implementations under test, with their provenance\n"
    "  help\n"
    "      this text\n"
    "\n"
    "The invariants the verdicts name (D P C X T K F L W S) are defined in docs/contract.md.\n"
    "No command: this text on stderr, exit status 2.\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty()) {
    std::cerr << usage;
    return 2;
  }
  const std::string command = args.front();
  args.erase(args.begin());
  if (command == "decode") return lastword::cli::run_decode(args, std::cin, std::cout, std::cerr);
  if (command == "check") return lastword::cli::run_check(args, std::cout, std::cerr);
  if (command == "explore") return lastword::cli::run_explore(args, std::cout, std::cerr);
  if (command == "detect") return lastword::cli::run_detect(args, std::cout, std::cerr);
  if (command == "replay") return lastword::cli::run_replay(args, std::cout, std::cerr);
  if (command == "nightly") return lastword::cli::run_nightly(args, std::cout, std::cerr);
  if (command == "adopt") return lastword::cli::run_adopt(args, std::cout, std::cerr);
  if (command == "blackbox") return lastword::cli::run_blackbox(args, std::cout, std::cerr);
  if (command == "list") return lastword::cli::run_list(args, std::cout, std::cerr);
  if (command == "help" || command == "--help" || command == "-h") {
    std::cout << usage;
    return 0;
  }
  std::cerr << "lastword: unknown command '" << command << "'\n" << usage;
  return 2;
}
