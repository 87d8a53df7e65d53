# Run after a fuzz target is built (lastword_fuzzer's POST_BUILD step), like
# gtest_discover_tests: asks the target which registered variants it can
# express (LASTWORD_LIST_IMPLS=1, fuzz/impl_env.hpp, from the registry) and
# writes their names, one a line, to OUT. The ctest include file written at
# configure time (lastword_fuzzer) adds fuzz_NAME_catches_VARIANT for each:
# the catch tests follow the registry, with nothing to list by hand.
# Variables: BINARY OUT.
execute_process(COMMAND ${CMAKE_COMMAND} -E env LASTWORD_LIST_IMPLS=1 ${BINARY}
  OUTPUT_VARIABLE names RESULT_VARIABLE status ERROR_VARIABLE errors)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${BINARY} did not list its implementations (exit ${status}): ${errors}")
endif()
string(REGEX MATCHALL "[a-z0-9-]+" names "${names}")
string(REPLACE ";" "\n" names "${names}")
file(WRITE ${OUT} "${names}\n")
