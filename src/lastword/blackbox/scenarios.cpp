#include "lastword/blackbox/scenarios.hpp"

namespace lastword::blackbox {
namespace {

std::string quoted_repeat(char c, std::size_t n) { return "\"" + std::string(n, c) + "\""; }

std::vector<named_scenario> make() {
  std::vector<named_scenario> v;
  // Three messages (one of 50 kB), close and FIN in one write, read by a
  // consumer that comes late: the python-websockets 14.0 and ws 1.1.1
  // (with permessage-deflate) losses.
  const std::string three = "peer text \"one\"\npeer text " + quoted_repeat('b', 50000) + "\npeer text \"three\"\n";
  const std::string late_recvs = "advance 200\nrecv\nrecv\nrecv\nrecv\n";
  v.push_back({"burst-late-consumer", "D C",
               "role client\n" + three + "peer close 1000 \"bye\"\nread all; eof\n" + late_recvs});
  v.push_back({"burst-256k", "D C",
               "role client\npeer binary " + quoted_repeat('x', 256 * 1024) +
                   "\npeer text \"after\"\npeer close 1000\nread all; eof\nadvance 200\nrecv\nrecv\nrecv\n"});
  v.push_back({"burst-deflate", "D C",
               "role client\noption deflate\n" + three + "peer close 1000 \"bye\"\nread all; eof\n" + late_recvs});
  v.push_back({"burst-deflate-no-context-takeover", "D C",
               "role client\noption deflate no-context-takeover\n" + three +
                   "peer close 1000 \"bye\"\nread all; eof\n" + late_recvs});
  // The close frame without FIN: TCP stays open until the client closes
  // it (or the close timeout).
  v.push_back({"close-without-fin", "D C W",
               "role client\n" + three + "peer close 1001 \"going\"\nread all\n" + late_recvs});
  // FIN without a close frame: 1006, and the messages still delivered.
  v.push_back({"eof-without-close", "D C",
               "role client\n" + three + "read all; eof\n" + late_recvs});
  // A reset right behind the messages may discard unread bytes: the
  // delivered messages must be an in-order prefix.
  v.push_back({"reset-after-messages", "D C",
               "role client\n" + three + "read all\nadvance 20\nreset\n" + late_recvs});
  // One message in three fragments with pings between them, each frame its
  // own write.
  v.push_back({"fragmented-with-pings", "P D W",
               "role client\npeer text \"frag-\" more\npeer ping \"p1\"\npeer continuation \"ment-\" more\n"
               "peer ping \"p2\"\npeer continuation \"ed\"\npeer text \"next\"\npeer close 1000\n"
               "read frames 1\nadvance 5\nread frames 1\nadvance 5\nread frames 1\nadvance 5\nread frames 1\n"
               "advance 5\nread frames 1\nread frames 1\nadvance 20\nread frames 1; eof\nadvance 100\nrecv\nrecv\nrecv\n"});
  // More messages than any queue limit, then the close, in one write.
  {
    std::string t = "role client\n";
    for (int i = 0; i < 300; ++i) t += "peer text \"flood-" + std::to_string(i) + "-" + std::string(1000, 'f') + "\"\n";
    t += "peer close 1000\nread all; eof\nadvance 300\n";
    for (int i = 0; i < 301; ++i) t += "recv\n";
    v.push_back({"flood-then-close", "D F L", t});
  }
  // The consumer waits in a recv with a timeout when the peer closes.
  v.push_back({"close-during-recv-timeout", "L D C",
               "role client\npeer text \"first\"\npeer close 1000\nread frames 1\nrecv\n"
               "recv timeout 3000\nadvance 150\nread all; eof\nrecv\n"});
  // The consumer sends messages (one of 50 kB, compressed when deflate is
  // on) and closes at once: all must be written before its close frame.
  v.push_back({"sends-then-close", "S W",
               "role client\npeer text \"hello\"\npeer close 1000\nread frames 1\nrecv\nsend text \"one\"\n"
               "send binary " + quoted_repeat('s', 50000) + "\nsend text \"three\"\nclose 1000 \"done\"\n"
               "advance 300\nread all; eof\nrecv\n"});
  v.push_back({"sends-then-close-deflate", "S W",
               "role client\noption deflate\npeer text \"hello\"\npeer close 1000\nread frames 1\nrecv\n"
               "send text \"one\"\nsend binary " + quoted_repeat('s', 50000) + "\nsend text \"three\"\n"
               "close 1000 \"done\"\nadvance 300\nread all; eof\nrecv\n"});
  // The consumer closes while messages are still arriving: those before
  // the peer's close frame are still received (SPEC definitions).
  v.push_back({"close-while-messages-arrive", "D C W",
               "role client\npeer text \"m1\"\npeer text \"m2\"\npeer text \"m3\"\npeer text \"m4\"\n"
               "peer close 1000\nread frames 1\nadvance 40\nread frames 1\nadvance 40\nread frames 1\nadvance 40\n"
               "read frames 1\nadvance 40\nread frames 1; eof\nadvance 60\nclose 1000\nrecv\nrecv\nrecv\nrecv\nrecv\n"});
  return v;
}

}  // namespace

const std::vector<named_scenario>& default_scenarios() {
  static const std::vector<named_scenario> v = make();
  return v;
}

}  // namespace lastword::blackbox
