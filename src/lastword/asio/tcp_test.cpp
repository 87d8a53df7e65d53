// The connection over real TCP on loopback: lastword client against
// lastword server, with the HTTP upgrade. Also run under ThreadSanitizer
// (tsan preset) with a multi-threaded io_context.
#include "lastword/asio/tcp.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <thread>

namespace lastword::io {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

void rethrow(std::exception_ptr e) {
  if (e) std::rethrow_exception(e);
}

net::awaitable<void> sleep(std::chrono::milliseconds d) {
  net::steady_timer t(co_await net::this_coro::executor, d);
  co_await t.async_wait(net::use_awaitable);
}

connection_options fast_close() {
  connection_options o;
  o.close_timeout = 2000ms;
  return o;
}

// The headline case: the server sends its last message and closes at once;
// the client calls recv() only after the whole connection is over.
TEST(Tcp, ServerSendsAndClosesAtOnceClientStillGetsTheMessage) {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::address_v4::loopback(), 0});
  const auto port = acceptor.local_endpoint().port();
  std::unique_ptr<tcp_connection> server, client;
  std::optional<recv_result> server_status;
  recv_result first, second;

  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        server = co_await server_handshake(co_await acceptor.async_accept(net::use_awaitable), fast_close());
        EXPECT_FALSE(server->send_text("last words"));
        server_status = co_await server->close(1000, "bye");
      },
      rethrow);
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        client = co_await connect("127.0.0.1", port, "/", fast_close());
        while (!client->finished()) co_await sleep(1ms);  // TCP is closed both ways
        first = co_await client->recv();
        second = co_await client->recv();
      },
      rethrow);
  ioc.run_for(10s);

  ASSERT_EQ(first.k, recv_result::kind::message);
  EXPECT_EQ(first.msg, (assembler::message{true, "last words"}));
  ASSERT_EQ(second.k, recv_result::kind::closed);
  EXPECT_EQ(second.status.code, 1000);
  EXPECT_EQ(second.status.reason, "bye");
  EXPECT_TRUE(second.status.handshake_completed);
  EXPECT_TRUE(second.status.normal);
  ASSERT_TRUE(server_status);
  EXPECT_EQ(server_status->k, recv_result::kind::closed);
  EXPECT_TRUE(server_status->status.handshake_completed);
  EXPECT_TRUE(server_status->status.normal);
}

// permessage-deflate negotiated in the upgrade (RFC 7692): the reference
// compresses what it sends and inflates what it receives, both ways.
TEST(Tcp, DeflateNegotiatedBothWaysCarriesMessages) {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::address_v4::loopback(), 0});
  const auto port = acceptor.local_endpoint().port();
  std::unique_ptr<tcp_connection> server, client;
  recv_result at_server, first, second, last;
  auto opts = fast_close();
  opts.deflate = wire::deflate_params{};
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        server = co_await server_handshake(co_await acceptor.async_accept(net::use_awaitable), opts);
        at_server = co_await server->recv();
        EXPECT_FALSE(server->send_text(std::string(50000, 'b')));
        EXPECT_FALSE(server->send_text("three"));
        (void)co_await server->close(1000, "bye");
      },
      rethrow);
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        client = co_await connect("127.0.0.1", port, "/", opts);
        EXPECT_FALSE(client->send_binary("to the server, to the server"));
        first = co_await client->recv();
        second = co_await client->recv();
        last = co_await client->recv();
      },
      rethrow);
  ioc.run_for(10s);
  ASSERT_TRUE(client && server);
  EXPECT_TRUE(client->compression());
  EXPECT_TRUE(server->compression());
  ASSERT_EQ(at_server.k, recv_result::kind::message);
  EXPECT_EQ(at_server.msg, (assembler::message{false, "to the server, to the server"}));
  ASSERT_EQ(first.k, recv_result::kind::message);
  EXPECT_EQ(first.msg, (assembler::message{true, std::string(50000, 'b')}));
  ASSERT_EQ(second.k, recv_result::kind::message);
  EXPECT_EQ(second.msg, (assembler::message{true, "three"}));
  ASSERT_EQ(last.k, recv_result::kind::closed);
  EXPECT_EQ(last.status.code, 1000);
}

TEST(Tcp, BadUpgradeRequestIsRefused) {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, {net::ip::address_v4::loopback(), 0});
  const auto port = acceptor.local_endpoint().port();
  std::string refused, answer;
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        try {
          co_await server_handshake(co_await acceptor.async_accept(net::use_awaitable), {});
        } catch (const handshake_error& e) {
          refused = e.what();
        }
      },
      rethrow);
  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        tcp::socket s(ioc);
        co_await s.async_connect({net::ip::address_v4::loopback(), port}, net::use_awaitable);
        const std::string req = "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
        co_await net::async_write(s, net::buffer(req), net::use_awaitable);
        char buf[256];
        const auto n = co_await s.async_read_some(net::buffer(buf), net::use_awaitable);
        answer.assign(buf, n);
      },
      rethrow);
  ioc.run_for(10s);
  EXPECT_EQ(refused, "Sec-WebSocket-Version must be 13");
  EXPECT_EQ(answer.rfind("HTTP/1.1 426", 0), 0u) << answer;
}

// Many connections at once on a two-thread io_context, each on its strand:
// every message is delivered, every close is normal (and, under the tsan
// preset, without a data race).
TEST(Tcp, ManyConnectionsOnAMultiThreadedIoContext) {
  constexpr int connections = 8, messages = 20;
  net::io_context ioc(2);
  tcp::acceptor acceptor(ioc, {net::ip::address_v4::loopback(), 0});
  const auto port = acceptor.local_endpoint().port();
  std::atomic<int> delivered{0}, normal_closes{0};

  net::co_spawn(
      ioc,
      [&]() -> net::awaitable<void> {
        for (int i = 0; i < connections; ++i) {
          auto socket = co_await acceptor.async_accept(net::make_strand(ioc), net::use_awaitable);
          const auto ex = socket.get_executor();
          net::co_spawn(
              ex,
              [&, s = std::move(socket)]() mutable -> net::awaitable<void> {
                auto conn = co_await server_handshake(std::move(s), fast_close());
                for (int m = 0; m < messages; ++m) conn->send_text("message " + std::to_string(m));
                const auto r = co_await conn->close(1000, "");
                if (r.status.normal) ++normal_closes;
                while (!conn->finished()) co_await sleep(1ms);
              },
              rethrow);
        }
      },
      rethrow);
  for (int i = 0; i < connections; ++i) {
    net::co_spawn(
        net::make_strand(ioc),
        [&]() -> net::awaitable<void> {
          auto conn = co_await connect("127.0.0.1", port, "/", fast_close());
          for (int m = 0;; ++m) {
            const auto r = co_await conn->recv();
            if (r.k != recv_result::kind::message) {
              if (r.status.normal) ++normal_closes;
              break;
            }
            EXPECT_EQ(r.msg.data, "message " + std::to_string(m));
            ++delivered;
          }
          while (!conn->finished()) co_await sleep(1ms);
        },
        rethrow);
  }
  std::thread other([&] { ioc.run_for(20s); });
  ioc.run_for(20s);
  other.join();
  EXPECT_EQ(delivered.load(), connections * messages);
  EXPECT_EQ(normal_closes.load(), 2 * connections);
}

}  // namespace
}  // namespace lastword::io
