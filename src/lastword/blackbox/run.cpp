#include "lastword/blackbox/run.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <cstdio>
#include <memory>
#include <mutex>
#include <set>

#include "lastword/asio/tcp.hpp"
#include "lastword/blackbox/adapter.hpp"
#include "lastword/wire/close.hpp"
#include "lastword/wire/codec.hpp"
#include "lastword/wire/text.hpp"

extern char** environ;

namespace lastword::blackbox {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

constexpr std::size_t stderr_limit = 64 * 1024;

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// The bottom of the kernel's ephemeral range, read once.
unsigned ephemeral_low() {
  static const unsigned low = [] {
    unsigned v = 32768;
    if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
      unsigned a = 0, b = 0;
      if (std::fscanf(f, "%u %u", &a, &b) == 2 && a > 11000 && a <= 65535) v = a;
      std::fclose(f);
    }
    return v;
  }();
  return low;
}

// A port for a server under test, outside the kernel's ephemeral range:
// lastword connects to it again and again until the server listens, and
// a connect() to a free port in that range can take the port itself as
// its source (TCP self-connect), holding it when the server binds it
// (EADDRINUSE), as can any other program's outgoing connection. Below the
// range nothing takes a port but an explicit bind. Ports handed out stay
// apart within this process (jobs run side by side); the first port tried
// depends on the process id, so two processes seldom try the same ones.
std::uint16_t port_for_a_server() {
  const unsigned first = 10000, span = ephemeral_low() - first;
  static std::mutex m;
  static std::set<std::uint16_t> given;
  static unsigned next = static_cast<unsigned>(::getpid()) * 7919u;
  const std::lock_guard<std::mutex> lock(m);
  // One io_context serves every probe (a probe only binds and closes).
  static net::io_context io;
  for (unsigned tries = 0; tries < span; ++tries) {
    const auto port = static_cast<std::uint16_t>(first + (next++ % span));
    if (given.count(port)) continue;
    tcp::acceptor probe(io);
    boost::system::error_code ec;
    probe.open(tcp::v4(), ec);
    if (!ec) probe.bind(tcp::endpoint(net::ip::address_v4::loopback(), port), ec);
    if (ec) continue;
    given.insert(port);
    if (given.size() > 4096) given.erase(given.begin());
    return port;
  }
  return 0;
}

struct child {
  pid_t pid = -1;
  int out = -1, err = -1;
};

// Starts `command` with /bin/sh in a process group of its own, so that a
// wall-clock bound can end it with everything it started.
child spawn_shell(const std::string& command, const std::vector<std::string>& env_extra, std::string& error) {
  child c;
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    error = std::string("pipe: ") + std::strerror(errno);
    return c;
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, err[1], 2);
  posix_spawnattr_t at;
  posix_spawnattr_init(&at);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&at, 0);
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  for (const auto& e : env_extra) env.push_back(e);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  const int rc = posix_spawn(&c.pid, "/bin/sh", &fa, &at, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  close(out[1]);
  close(err[1]);
  if (rc != 0) {
    error = std::string("cannot start /bin/sh: ") + std::strerror(rc);
    close(out[0]);
    close(err[0]);
    c.pid = -1;
    return c;
  }
  c.out = out[0];
  c.err = err[0];
  return c;
}

std::string frame_text(const wire::frame& f) {
  std::string s(wire::opcode_name(f.op));
  if (!f.fin) s += " (more)";
  if (f.compressed) s += " (compressed)";
  if (f.op == wire::opcode::close) {
    wire::close_payload p;
    if (!wire::parse_close_payload(f.payload, p)) {
      s += " " + std::to_string(p.code);
      if (!p.reason.empty()) s += " " + wire::quoted(p.reason);
    }
    return s;
  }
  return s + " " + wire::quoted(f.payload) + (f.payload.size() > 40 ? " (" + std::to_string(f.payload.size()) + " bytes)" : "");
}

class session {
 public:
  session(net::io_context& io, const scenario::scenario& s, const run_options& o, std::uint64_t seed, run_outcome& out)
      : io_(io), s_(s), o_(o), seed_(seed), out_(out), acceptor_(io), socket_(io), deadline_(io), grace_(io),
        wake_(io), read_gate_(io) {}

  void start() {
    start_ = clock_type::now();
    // The consumer lane does not depend on the negotiated stream.
    std::mt19937_64 rng(seed_);
    out_.pl = make_plan(s_, o_.prof, encode_stream(s_, std::nullopt), rng);
    if (!out_.pl.not_expressible.empty()) {
      out_.st = run_outcome::status::not_applicable;
      out_.problem = "the adapter contract cannot express " + out_.pl.not_expressible;
      return;
    }

    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    // A peer that stops reading must stall the writer soon: a small
    // receive buffer (set before listen, so that the window starts small).
    for (const auto& a : out_.pl.peer)
      if (a.k == peer_action::kind::stop_reading) {
        acceptor_.set_option(net::socket_base::receive_buffer_size(4096));
        small_buffer_ = true;
      }
    // A server under test listens on a port lastword found free.
    if (o_.server) {
      acceptor_.close();
      port_ = port_for_a_server();
      if (!port_) {
        out_.st = run_outcome::status::broken;
        out_.problem = "no free port below the ephemeral range for the server under test";
        return;
      }
    } else {
      acceptor_.bind(tcp::endpoint(net::ip::address_v4::loopback(), 0));
      port_ = acceptor_.local_endpoint().port();
      acceptor_.listen(1);
    }
    const std::string port = std::to_string(port_);
    const std::string url = "ws://127.0.0.1:" + port + "/";
    std::string command = replace_all(replace_all(o_.command, "{url}", url), "{port}", port);
    std::vector<std::string> env = {
        "LASTWORD_URL=" + url, "LASTWORD_PORT=" + port, "LASTWORD_PROFILE=" + std::string(profile_name(o_.prof)),
        std::string("LASTWORD_DEFLATE=") + (s_.opts.deflate ? "1" : "0"), "LASTWORD_STEPS=" + steps_json(out_.pl.consumer)};
    std::string steps = steps_json(out_.pl.consumer);
    if (steps.size() > 300) steps = steps.substr(0, 300) + "... (" + std::to_string(out_.pl.consumer.size()) + " steps)";
    note("lastword", "listening on " + url + "; consumer steps " + steps);
    std::string error;
    child_ = spawn_shell(command, env, error);
    if (child_.pid < 0) {
      out_.st = run_outcome::status::broken;
      out_.problem = error;
      return;
    }
    note("lastword", "started: " + command);
    net::co_spawn(io_, read_stdout(), net::detached);
    net::co_spawn(io_, read_stderr(), net::detached);
    net::co_spawn(io_, wait_exit(), net::detached);
    if (o_.server) net::co_spawn(io_, connect_to_server(), net::detached);
    else net::co_spawn(io_, serve(), net::detached);
    deadline_.expires_after(std::chrono::milliseconds(o_.timeout_ms));
    deadline_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      out_.obs.timed_out = true;
      note("lastword", "wall-clock bound of " + std::to_string(o_.timeout_ms) + " ms reached: killing the client");
      if (!connected_) {
        broken(std::string(o_.server ? "lastword could not connect to the server" : "the client did not connect") + " within the wall-clock bound of " + std::to_string(o_.timeout_ms) + " ms");
        return;
      }
      kill_group();
      finish();
    });
  }

  ~session() {
    if (child_.pid > 0 && !exited_) {
      kill_group();
      int st = 0;
      waitpid(child_.pid, &st, 0);
    }
  }

 private:
  std::uint64_t now_us() const {
    return static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - start_).count());
  }
  void note(std::string who, std::string what) { out_.obs.timeline.push_back({now_us(), std::move(who), std::move(what)}); }

  void kill_group() {
    if (child_.pid > 0) ::kill(-child_.pid, SIGKILL);
  }

  void broken(std::string why) {
    if (out_.st != run_outcome::status::broken) {
      out_.st = run_outcome::status::broken;
      out_.problem = std::move(why);
    }
    kill_group();
    finish();
  }

  // Ends the run: nothing more is accepted, read or written.
  void finish() {
    if (finished_) return;
    finished_ = true;
    boost::system::error_code ec;
    acceptor_.close(ec);
    if (socket_.is_open()) {
      socket_.shutdown(tcp::socket::shutdown_both, ec);
      socket_.close(ec);
    }
    deadline_.cancel();
    grace_.cancel();
    wake_.cancel();
    read_gate_.cancel();
  }

  void maybe_done() {
    // The adapter has exited and said everything: give the transport a
    // moment to show its end, then stop.
    if (!exited_ || !stdout_done_ || finished_) return;
    grace_.expires_after(std::chrono::milliseconds(reader_done_ || !connected_ ? 0 : 300));
    grace_.async_wait([this](boost::system::error_code ec) {
      if (!ec) finish();
    });
  }

  net::awaitable<void> read_stdout() {
    net::posix::stream_descriptor d(io_, child_.out);
    std::string pending;
    char buf[65536];
    std::size_t line_no = 0;
    const std::size_t line_limit = 4 * static_cast<std::size_t>(s_.opts.max_size) + 65536;
    for (;;) {
      auto [ec, n] = co_await d.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
      pending.append(buf, n);
      std::size_t at;
      while ((at = pending.find('\n')) != std::string::npos) {
        std::string line = pending.substr(0, at);
        pending.erase(0, at + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        on_line(line_no, line);
      }
      if (pending.size() > line_limit) {
        broken("adapter output line " + std::to_string(line_no + 1) + " is longer than " + std::to_string(line_limit) +
               " bytes");
        break;
      }
      if (ec) {
        if (!pending.empty()) on_line(++line_no, pending);
        break;
      }
    }
    stdout_done_ = true;
    maybe_done();
  }

  void on_line(std::size_t n, const std::string& line) {
    auto r = parse_result_line(line);
    if (auto* why = std::get_if<std::string>(&r)) {
      broken("adapter output line " + std::to_string(n) + " is not a result (" + *why + "): " +
             wire::quoted(line, 120));
      return;
    }
    auto& res = std::get<adapter_result>(r);
    note("consumer", describe(res));
    if (res.k == adapter_result::kind::unsupported && out_.st == run_outcome::status::ran) {
      out_.st = run_outcome::status::not_applicable;
      out_.problem = "the adapter cannot express a step: " + res.error;
    }
    out_.obs.results.push_back(std::move(res));
    out_.obs.result_us.push_back(now_us());
  }

  net::awaitable<void> read_stderr() {
    net::posix::stream_descriptor d(io_, child_.err);
    char buf[4096];
    for (;;) {
      auto [ec, n] = co_await d.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
      if (out_.stderr_text.size() < stderr_limit)
        out_.stderr_text.append(buf, std::min(n, stderr_limit - out_.stderr_text.size()));
      if (ec) break;
    }
  }

  net::awaitable<void> wait_exit() {
    net::steady_timer t(io_);
    for (;;) {
      int st = 0;
      const pid_t r = waitpid(child_.pid, &st, WNOHANG);
      if (r == child_.pid) {
        exited_ = true;
        out_.exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        note("lastword", "the program under test exited with status " + std::to_string(out_.exit_status));
        break;
      }
      t.expires_after(std::chrono::milliseconds(5));
      co_await t.async_wait(net::as_tuple(net::use_awaitable));
    }
    // Whatever it started goes with it.
    kill_group();
    if (!connected_ && !finished_) {
      if (out_.st == run_outcome::status::ran) {
        out_.st = run_outcome::status::broken;
        out_.problem = "the program under test exited with status " + std::to_string(out_.exit_status) + (o_.server ? " before lastword could connect" : " without connecting");
      }
    }
    maybe_done();
  }

  net::awaitable<void> serve() {
    auto [ec] = co_await acceptor_.async_accept(socket_, net::as_tuple(net::use_awaitable));
    if (ec || finished_) co_return;
    connected_ = true;
    boost::system::error_code ignore;
    acceptor_.close(ignore);
    socket_.set_option(tcp::no_delay(true), ignore);
    note("lastword", "accepted a connection");
    std::optional<wire::deflate_params> deflate;
    bool offered = false;
    try {
      auto up = co_await io::server_upgrade(socket_, [&](std::string_view offer) -> std::string {
        if (!s_.opts.deflate) return {};
        deflate = wire::accept_deflate_offer(offer, s_.opts.deflate_no_context_takeover);
        offered = deflate.has_value();
        return deflate ? wire::deflate_header(*deflate) : std::string();
      });
      if (!up.leftover.empty()) client_bytes_ = std::move(up.leftover);
      note("lastword", "upgraded" + (up.extensions.empty() ? std::string() : "; client offered: " + up.extensions) +
                           (deflate ? "; accepted: " + wire::deflate_header(*deflate) : std::string()));
    } catch (const std::exception& e) {
      if (finished_) co_return;
      broken(std::string("the opening handshake failed: ") + e.what());
      co_return;
    }
    if (s_.opts.deflate && !offered) {
      out_.st = run_outcome::status::not_applicable;
      out_.problem = "the client did not offer permessage-deflate";
    }
    co_await converse(deflate);
  }

  // lastword as the client peer of a server under test.
  net::awaitable<void> connect_to_server() {
    boost::system::error_code ignore;
    const tcp::endpoint at(net::ip::address_v4::loopback(), port_);
    // The server needs a moment to listen: retry until the bound.
    while (!finished_) {
      if (small_buffer_) {
        socket_.open(tcp::v4(), ignore);
        socket_.set_option(net::socket_base::receive_buffer_size(4096), ignore);
      }
      auto [ec] = co_await socket_.async_connect(at, net::as_tuple(net::use_awaitable));
      // Connected to itself (possible only in the ephemeral range): not a server.
      if (!ec && socket_.local_endpoint(ignore) != at) break;
      socket_.close(ignore);
      if (exited_) co_return;
      wake_.expires_after(std::chrono::milliseconds(20));
      co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
    }
    if (finished_) co_return;
    connected_ = true;
    socket_.set_option(tcp::no_delay(true), ignore);
    note("lastword", "connected to the server on port " + std::to_string(port_));
    std::optional<wire::deflate_params> deflate;
    try {
      std::string offer;
      if (s_.opts.deflate)
        offer = s_.opts.deflate_no_context_takeover
                    ? "permessage-deflate; server_no_context_takeover; client_no_context_takeover"
                    : "permessage-deflate; client_max_window_bits";
      auto up = co_await io::client_upgrade(socket_, "127.0.0.1:" + std::to_string(port_), "/", offer,
                                            io::random_nonce());
      if (!up.leftover.empty()) client_bytes_ = std::move(up.leftover);
      bool bad = false;
      deflate = wire::parse_deflate_response(up.extensions, bad);
      note("lastword", "upgraded" + (up.extensions.empty() ? std::string() : "; server answered: " + up.extensions));
      // RFC 6455 section 4.1 and RFC 7692 section 5: an extension not
      // offered, or invalid parameters, fail the connection.
      if (bad || (deflate && !s_.opts.deflate)) {
        broken("the server answered an extension that was not offered or is invalid: " + up.extensions);
        co_return;
      }
    } catch (const std::exception& e) {
      if (finished_) co_return;
      broken(std::string("the opening handshake failed: ") + e.what());
      co_return;
    }
    if (s_.opts.deflate && !deflate) {
      out_.st = run_outcome::status::not_applicable;
      out_.problem = "the server did not accept permessage-deflate";
    }
    co_await converse(deflate);
  }

  // After the upgrade: play the peer lane, read what the implementation
  // writes, and end the connection as the peer's role says.
  net::awaitable<void> converse(std::optional<wire::deflate_params> deflate) {
    boost::system::error_code ignore;
    out_.obs.deflate = deflate.has_value();
    const peer_stream stream = encode_stream(s_, deflate);
    std::mt19937_64 rng(seed_);
    out_.pl = make_plan(s_, o_.prof, stream, rng);
    out_.obs.stream_frame_ends = stream.frame_ends;
    decoder_ = wire::frame_decoder({o_.server ? wire::role::client : wire::role::server, s_.opts.max_size,
                                    s_.opts.max_size, deflate.has_value()});
    if (deflate) {
      // What the implementation sends is compressed with its own side's
      // parameters (RFC 7692 section 7.1.1).
      const bool impl_is_client = !o_.server;
      inflater_ = std::make_unique<wire::inflater>(
          impl_is_client ? deflate->client_no_context_takeover : deflate->server_no_context_takeover,
          impl_is_client ? deflate->client_max_window_bits : deflate->server_max_window_bits, s_.opts.max_size);
    }
    net::co_spawn(io_, read_client(), net::detached);
    co_await play(stream);
    lane_done_ = true;
    // As a server, close TCP once the closing handshake is done (RFC 6455
    // section 7.1.1), or after the close timeout when the client does not
    // answer our close frame; never before the client's end otherwise.
    while (!finished_ && socket_.is_open()) {
      if (reader_done_) break;
      // A client peer waits for the server to close TCP (section 7.1.1).
      if (sent_close_ && got_close_ && !o_.server) break;
      if (sent_close_ && clock_type::now() - close_sent_at_ > std::chrono::milliseconds(s_.opts.close_timeout_ms)) {
        note("lastword", "the client did not answer our close frame within the close timeout");
        break;
      }
      wake_.expires_after(std::chrono::milliseconds(5));
      co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
    }
    if (!finished_ && socket_.is_open() && !out_.obs.reset_us) {
      // Wait for the reader to see the client's end, briefly.
      socket_.shutdown(tcp::socket::shutdown_send, ignore);
      if (!out_.obs.fin_us) note("lastword", "closed TCP (FIN)");
      for (int i = 0; i < 100 && !reader_done_ && !finished_; ++i) {
        wake_.expires_after(std::chrono::milliseconds(5));
        co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
      }
      socket_.close(ignore);
    }
  }

  net::awaitable<void> play(const peer_stream& stream) {
    boost::system::error_code ignore;
    const auto& actions = out_.pl.peer;
    for (std::size_t i = 0; i < actions.size() && !finished_; ++i) {
      const peer_action& a = actions[i];
      switch (a.k) {
        case peer_action::kind::delay:
          wake_.expires_after(std::chrono::milliseconds(a.ms));
          co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
          break;
        case peer_action::kind::write: {
          auto [ec, n] = co_await net::async_write(socket_, net::buffer(stream.bytes.data() + a.from, a.to - a.from),
                                                   net::as_tuple(net::use_awaitable));
          if (ec) {
            out_.obs.all_written = false;
            note("lastword", "write of bytes " + std::to_string(a.from) + ".." + std::to_string(a.to) + " failed: " +
                                 ec.message());
            co_return;
          }
          out_.obs.writes.push_back({now_us(), a.to});
          std::string frames;
          std::size_t listed = 0, in_write = 0;
          for (std::size_t k = 0; k < stream.frame_ends.size(); ++k)
            if (stream.frame_ends[k] > a.from && stream.frame_ends[k] <= a.to) {
              ++in_write;
              // The first frames and the last one are enough to follow it.
              const bool last = k + 1 == stream.frame_ends.size() || stream.frame_ends[k + 1] > a.to;
              if (listed < 4 || last) {
                if (!frames.empty()) frames += ", ";
                if (listed == 4) frames += "..., ";
                frames += frame_name(k);
                ++listed;
              }
            }
          if (in_write > listed) frames += " (" + std::to_string(in_write) + " frames)";
          note("lastword", "wrote bytes " + std::to_string(a.from) + ".." + std::to_string(a.to) +
                               (frames.empty() ? "" : " (" + frames + ")"));
          if (!sent_close_ && wrote_close_frame(a.from, a.to, stream)) {
            sent_close_ = true;
            close_sent_at_ = clock_type::now();
          }
          break;
        }
        case peer_action::kind::shutdown:
          socket_.shutdown(tcp::socket::shutdown_send, ignore);
          out_.obs.fin_us = now_us();
          note("lastword", "sent FIN");
          break;
        case peer_action::kind::reset:
          socket_.set_option(net::socket_base::linger(true, 0), ignore);
          socket_.close(ignore);
          out_.obs.reset_us = now_us();
          note("lastword", "reset the connection (SO_LINGER 0)");
          co_return;
        case peer_action::kind::stop_reading:
          reading_ = false;
          note("lastword", "stopped reading");
          break;
        case peer_action::kind::resume_reading:
          reading_ = true;
          read_gate_.cancel();
          note("lastword", "reads again");
          break;
      }
      if (reader_done_ && i + 1 < actions.size() && !out_.obs.implementation_closed_first) {
        for (std::size_t k = i + 1; k < actions.size(); ++k)
          if (actions[k].k == peer_action::kind::write) out_.obs.implementation_closed_first = true;
      }
    }
  }

  std::string frame_name(std::size_t k) const {
    std::size_t i = 0;
    for (const auto& f : s_.peer) {
      if (i++ == k) {
        switch (f.k) {
          case scenario::peer_frame::kind::text: return "text " + wire::quoted(f.payload, 24);
          case scenario::peer_frame::kind::binary: return "binary " + wire::quoted(f.payload, 24);
          case scenario::peer_frame::kind::continuation: return "continuation " + wire::quoted(f.payload, 24);
          case scenario::peer_frame::kind::ping: return "ping";
          case scenario::peer_frame::kind::pong: return "pong";
          case scenario::peer_frame::kind::close: return "close" + (f.code ? " " + std::to_string(*f.code) : std::string());
          case scenario::peer_frame::kind::raw: return "raw";
        }
      }
    }
    return "?";
  }

  bool wrote_close_frame(std::size_t from, std::size_t to, const peer_stream& stream) const {
    for (std::size_t k = 0; k < stream.frame_ends.size() && k < s_.peer.size(); ++k)
      if (s_.peer[k].k == scenario::peer_frame::kind::close && stream.frame_ends[k] > from && stream.frame_ends[k] <= to)
        return true;
    return false;
  }

  net::awaitable<void> read_client() {
    char buf[65536];
    auto feed = [&](std::string_view in) {
      while (!decoder_failed_) {
        const auto st = decoder_.decode(in, frame_);
        if (st == wire::frame_decoder::status::need_more) break;
        if (st == wire::frame_decoder::status::failed) {
          decoder_failed_ = true;
          out_.obs.wrote_invalid = true;
          out_.obs.invalid_why = decoder_.error().message();
          note("implementation", "wrote bytes that are not a valid frame: " + out_.obs.invalid_why);
          break;
        }
        if (inflater_ && !wire::is_control(frame_.op)) {
          if (frame_.op != wire::opcode::continuation) inflating_ = frame_.compressed;
          if (inflating_) {
            std::string plain;
            if (inflater_->inflate_part(frame_.payload, frame_.fin, plain) != wire::inflater::status::ok) {
              decoder_failed_ = true;
              out_.obs.wrote_invalid = true;
              out_.obs.invalid_why = "a compressed message that does not inflate within the size limit";
              note("implementation", "wrote " + out_.obs.invalid_why);
              break;
            }
            frame_.payload = std::move(plain);
            frame_.compressed = false;
          }
        }
        out_.obs.frames.push_back({now_us(), frame_});
        note("implementation", "wrote " + frame_text(frame_));
        if (frame_.op == wire::opcode::close) got_close_ = true;
      }
    };
    if (!client_bytes_.empty()) feed(client_bytes_);
    while (!finished_) {
      if (!reading_) {
        read_gate_.expires_after(std::chrono::hours(1));
        co_await read_gate_.async_wait(net::as_tuple(net::use_awaitable));
        continue;
      }
      auto [ec, n] = co_await socket_.async_read_some(net::buffer(buf), net::as_tuple(net::use_awaitable));
      feed(std::string_view(buf, n));
      if (ec) {
        if (ec == net::error::eof) {
          out_.obs.implementation_fin = true;
          note("implementation", "closed TCP (FIN)");
        } else if (ec != net::error::operation_aborted && ec != net::error::bad_descriptor) {
          out_.obs.implementation_fin = true;
          note("implementation", "transport error: " + ec.message());
        }
        break;
      }
    }
    reader_done_ = true;
    if (!lane_done_) {
      for (const auto& a : out_.pl.peer)
        if (a.k == peer_action::kind::write && (out_.obs.writes.empty() || a.to > out_.obs.writes.back().to))
          out_.obs.implementation_closed_first = true;
    }
    maybe_done();
  }

  net::io_context& io_;
  const scenario::scenario& s_;
  const run_options& o_;
  std::uint64_t seed_;
  run_outcome& out_;
  std::uint16_t port_ = 0;
  bool small_buffer_ = false;
  tcp::acceptor acceptor_;
  tcp::socket socket_;
  net::steady_timer deadline_, grace_, wake_, read_gate_;
  clock_type::time_point start_;
  child child_;
  bool exited_ = false, stdout_done_ = false, connected_ = false, finished_ = false;
  bool reader_done_ = false, lane_done_ = false, reading_ = true;
  bool sent_close_ = false, got_close_ = false;
  clock_type::time_point close_sent_at_;
  std::string client_bytes_;
  wire::frame_decoder decoder_;
  std::unique_ptr<wire::inflater> inflater_;
  bool inflating_ = false;
  wire::frame frame_;
  bool decoder_failed_ = false;
};

}  // namespace

namespace {
// The port lastword found free for a server under test is free only until
// the server binds it; another program can bind it in between (node takes
// about 300 ms to listen). A server that says so (EADDRINUSE) and exits
// before lastword could connect lost that race, which says nothing of its
// behaviour: it is started again on another port.
bool lost_its_port(const run_outcome& out, const run_options& o) {
  if (!o.server || out.st != run_outcome::status::broken) return false;
  for (std::string_view says : {"EADDRINUSE", "ddress already in use"})
    if (out.stderr_text.find(says) != std::string::npos) return true;
  return false;
}
}  // namespace

run_outcome run(const scenario::scenario& s, const run_options& o, std::uint64_t seed) {
  constexpr int attempts = 3;
  run_outcome out;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    out = run_outcome{};
    net::io_context io;
    {
      session ses(io, s, o, seed, out);
      ses.start();
      io.run();
    }
    if (!lost_its_port(out, o)) break;
  }
  return out;
}

}  // namespace lastword::blackbox
