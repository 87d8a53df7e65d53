// lastword/sim/stream.hpp: an in-memory Asio stream driven from outside.
//
// Satisfies AsyncReadStream and AsyncWriteStream. Nothing happens by itself:
// the driver offers bytes, EOF or a reset to the reading side, stalls and
// releases writes, and polls the io_context; completions are posted to the
// handler's executor, so a run is a pure function of the driver's calls.
//
// Reads return every offered byte not yet read, up to the buffer size. A
// reset drops offered bytes that were not read yet, as TCP may. The stream
// records what it did (bytes read, bytes written, output shut down or
// closed) for the history.
//
// Thread rule: one thread (the io_context's) uses a stream.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>

#include <cstddef>
#include <functional>
#include <string_view>
#include <memory>
#include <string>
#include <vector>

namespace lastword::sim {

class stream {
 public:
  using executor_type = boost::asio::any_io_executor;

  explicit stream(executor_type ex) : ex_(std::move(ex)) {}
  stream(stream&&) = default;

  executor_type get_executor() const noexcept { return ex_; }

  template <class MutableBuffers, class Token>
  auto async_read_some(const MutableBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const MutableBuffers& b) {
          auto op = make_op(std::move(handler));
          std::vector<boost::asio::mutable_buffer> bufs(boost::asio::buffer_sequence_begin(b),
                                                        boost::asio::buffer_sequence_end(b));
          start_read(std::move(op), std::move(bufs));
        },
        token, buffers);
  }

  template <class ConstBuffers, class Token>
  auto async_write_some(const ConstBuffers& buffers, Token&& token) {
    return boost::asio::async_initiate<Token, void(boost::system::error_code, std::size_t)>(
        [this](auto handler, const ConstBuffers& b) {
          auto op = make_op(std::move(handler));
          std::string bytes;
          for (auto it = boost::asio::buffer_sequence_begin(b); it != boost::asio::buffer_sequence_end(b); ++it)
            bytes.append(static_cast<const char*>(boost::asio::const_buffer(*it).data()),
                         boost::asio::const_buffer(*it).size());
          start_write(std::move(op), std::move(bytes));
        },
        token, buffers);
  }

  // --- the implementation's side (besides reading and writing) -----------
  void shutdown_output() noexcept;  // TCP FIN: no more writes
  void close() noexcept;            // drop the connection: pending ops abort

  // The HTTP upgrade happened over this stream before the scenario starts:
  // forget its bytes so that offsets and records cover the frames alone.
  void forget_handshake() noexcept {
    outbound_.clear();
    bytes_read_ = 0;
    reads_ = 0;
  }

  // --- the driver's side ----------------------------------------------------
  void offer(std::string_view bytes);
  void offer_eof();
  void offer_reset();
  void stall_writes() noexcept { stalled_ = true; }
  void release_writes();

  // Reports what happened as it happens, for the history.
  struct observer {
    std::function<void(std::size_t offset, std::size_t n)> read;
    std::function<void(bool reset)> read_end;
    std::function<void(std::string_view bytes)> wrote;
    std::function<void()> output_shutdown;
    std::function<void()> closed;
  };
  void observe(observer o) { observer_ = std::move(o); }

  // What happened, for the history.
  std::size_t bytes_read() const noexcept { return bytes_read_; }
  std::size_t reads_completed() const noexcept { return reads_; }
  std::size_t unread() const noexcept { return inbound_.size(); }
  bool read_pending() const noexcept { return static_cast<bool>(read_op_); }
  bool end_read() const noexcept { return end_read_; }  // EOF or reset delivered to a read
  const std::string& written() const noexcept { return outbound_; }
  bool output_shut_down() const noexcept { return output_shut_; }
  bool closed() const noexcept { return closed_; }

 private:
  struct op_base {
    virtual ~op_base() = default;
    virtual void complete(boost::system::error_code ec, std::size_t n) = 0;
  };

  template <class Handler>
  struct op final : op_base {
    Handler handler;
    executor_type io_ex;
    op(Handler h, executor_type ex) : handler(std::move(h)), io_ex(std::move(ex)) {}
    void complete(boost::system::error_code ec, std::size_t n) override {
      auto ex = boost::asio::get_associated_executor(handler, io_ex);
      boost::asio::post(ex, [h = std::move(handler), ec, n]() mutable { std::move(h)(ec, n); });
    }
  };

  template <class Handler>
  std::unique_ptr<op_base> make_op(Handler h) {
    return std::make_unique<op<Handler>>(std::move(h), ex_);
  }

  void start_read(std::unique_ptr<op_base> op, std::vector<boost::asio::mutable_buffer> bufs);
  void start_write(std::unique_ptr<op_base> op, std::string bytes);
  void try_complete_read();

  executor_type ex_;
  observer observer_;
  std::string inbound_;
  bool eof_offered_ = false;
  bool reset_offered_ = false;
  bool end_read_ = false;
  std::unique_ptr<op_base> read_op_;
  std::vector<boost::asio::mutable_buffer> read_bufs_;
  std::unique_ptr<op_base> write_op_;
  std::string write_bytes_;
  std::string outbound_;
  bool stalled_ = false;
  bool output_shut_ = false;
  bool closed_ = false;
  std::size_t bytes_read_ = 0;
  std::size_t reads_ = 0;
};

// The customization points io::connection finds by argument-dependent
// lookup (asio/transport.hpp).
inline void transport_shutdown_output(stream& s) { s.shutdown_output(); }
inline void transport_close(stream& s) { s.close(); }

}  // namespace lastword::sim
