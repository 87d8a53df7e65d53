# Helpers that declare one unit test, property or fuzz target each.

# lastword_test(NAME src... LIBS lib...): a GoogleTest binary, each test
# registered with ctest.
function(lastword_test name)
  cmake_parse_arguments(arg "" "" "LIBS" ${ARGN})
  add_executable(${name} ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
endfunction()

# lastword_property(NAME src... LIBS lib...): RapidCheck properties run
# through GoogleTest. RC_PARAMS (seed, max_success, reproduce) comes from
# the environment; every failure prints the command that reproduces it.
function(lastword_property name)
  cmake_parse_arguments(arg "" "" "LIBS" ${ARGN})
  add_executable(${name} ${arg_UNPARSED_ARGUMENTS} ${CMAKE_SOURCE_DIR}/props/rc_main.cpp)
  target_link_libraries(${name} PRIVATE ${arg_LIBS} rapidcheck rapidcheck_gtest GTest::gtest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60)
endfunction()

# lastword_fuzzer(NAME src LIBS lib...): a libFuzzer target whose seed
# corpus is corpus/NAME/ and dictionary fuzz/NAME.dict.
#  - Always: fuzz_NAME_replay, the target linked with a small main that runs
#    every corpus file once (works with g++); ctest replays the corpus.
#  - With LASTWORD_FUZZ: fuzz_NAME, linked with libFuzzer; ctest runs it for
#    LASTWORD_FUZZ_SECONDS on a scratch copy of the corpus; and, for each
#    variant named after CATCHES, a test that the fuzzer, started from an
#    empty corpus, finds that planted bug.
function(lastword_fuzzer name src)
  cmake_parse_arguments(arg "" "" "LIBS;CATCHES" ${ARGN})
  set(corpus ${CMAKE_SOURCE_DIR}/corpus/${name})
  add_executable(fuzz_${name}_replay ${src} ${CMAKE_SOURCE_DIR}/fuzz/replay_main.cpp)
  target_link_libraries(fuzz_${name}_replay PRIVATE ${arg_LIBS})
  add_test(NAME fuzz_${name}_corpus_replay COMMAND fuzz_${name}_replay ${corpus})
  if(LASTWORD_FUZZ)
    add_executable(fuzz_${name} ${src})
    target_link_libraries(fuzz_${name} PRIVATE ${arg_LIBS})
    target_link_options(fuzz_${name} PRIVATE -fsanitize=fuzzer)
    set(work ${CMAKE_BINARY_DIR}/fuzz-work/${name})
    add_test(NAME fuzz_${name}_run
      COMMAND ${CMAKE_COMMAND} -E env --
        ${CMAKE_SOURCE_DIR}/scripts/fuzz_run.sh $<TARGET_FILE:fuzz_${name}> ${work} ${corpus}
        ${CMAKE_SOURCE_DIR}/fuzz/${name}.dict ${LASTWORD_FUZZ_SECONDS})
    foreach(variant IN LISTS arg_CATCHES)
      add_test(NAME fuzz_${name}_catches_${variant}
        COMMAND ${CMAKE_SOURCE_DIR}/scripts/fuzz_expect_catch.sh $<TARGET_FILE:fuzz_${name}>
          ${work}-${variant} ${variant} ${CMAKE_SOURCE_DIR}/fuzz/${name}.dict 120)
    endforeach()
  endif()
endfunction()
