// lastword/wire/text.hpp: payloads as readable text for timelines and
// reports: printable ASCII as is, anything else as \xNN, in double quotes,
// cut after `max` bytes with "...".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lastword::wire {

std::string quoted(std::string_view bytes, std::size_t max = 40);

}  // namespace lastword::wire
