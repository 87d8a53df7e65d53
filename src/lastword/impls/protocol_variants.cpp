#include "lastword/impls/protocol_variants.hpp"

#include <algorithm>

namespace lastword::impls {
namespace {

class closing_drops_data final : public protocol::receiver {
 public:
  closing_drops_data(const protocol::options& opts, wire::mask_source masks)
      : c_(opts, std::move(masks)) {}
  void receive_data(std::string_view bytes) override {
    const bool closing = c_.current_state() == protocol::state::closing;
    c_.receive_data(bytes);
    if (!closing) return;
    // The difference: data frames received in closing are dropped.
    auto events = c_.take_events();
    std::erase_if(events, [](const wire::frame& f) { return !wire::is_control(f.op); });
    for (auto& f : events) kept_.push_back(std::move(f));
  }
  void receive_eof() override { c_.receive_eof(); }
  std::vector<wire::frame> take_events() override {
    auto out = std::move(kept_);
    kept_.clear();
    for (auto& f : c_.take_events()) out.push_back(std::move(f));
    return out;
  }
  std::string take_output() override { return c_.take_output(); }
  std::error_code send_close(std::uint16_t code, std::string_view reason) override {
    return c_.send_close(code, reason);
  }
  protocol::close_status status() const override { return c_.status(); }

 private:
  protocol::connection c_;
  std::vector<wire::frame> kept_;
};

}  // namespace

std::unique_ptr<protocol::receiver> make_tungstenite_closing_drops_data(
    const protocol::options& opts, wire::mask_source masks) {
  return std::make_unique<closing_drops_data>(opts, std::move(masks));
}

}  // namespace lastword::impls
