// lastword/history/invariant.hpp: the invariants the tools print, in one table.
//
// Every letter a verdict prints comes from this table, with its name and a
// one-line definition; docs/contract.md defines each in full. Standard
// library only.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace lastword::history {

enum class invariant : std::uint8_t { D, P, C, X, T, K, F, L, W, S };

struct invariant_info {
  invariant id;
  char letter;
  std::string_view name;
  std::string_view definition;
};

// In the order the verdict tables print them.
std::span<const invariant_info> invariants() noexcept;
const invariant_info& info(invariant i) noexcept;
char letter(invariant i) noexcept;
std::optional<invariant> from_letter(char c) noexcept;
// Every letter, in table order ("DPCXTKFLWS").
const std::string& letters();

// Where the full definitions are.
inline constexpr std::string_view contract_doc = "docs/contract.md";

}  // namespace lastword::history
