# Helpers that declare one unit test, property or fuzz target each.
#
# ctest labels: every test carries exactly one of
#   unit         GoogleTest binaries and other in-process checks
#   property     RapidCheck properties (seed and budget from LASTWORD_RC_PARAMS)
#   fuzz-replay  a fuzz target run once over its committed corpus
#   fuzz-smoke   fuzz targets run for a fixed seed and run count, the catch
#                tests, the determinism test, the ClusterFuzzLite build
#   cli          the `lastword` command's behaviour
#   tcp          real sockets (the tsan preset runs these)
#   blackbox     other WebSocket libraries judged from outside
# `ctest -L LABEL` runs one kind; ci_every_test_has_a_label checks the rule.
set(LASTWORD_TEST_LABELS unit property fuzz-replay fuzz-smoke cli tcp blackbox nightly)

# Everything random in ctest is seeded and counted, so that the same commit
# gives the same result every time.
set(LASTWORD_RC_PARAMS "seed=1 max_success=100" CACHE STRING
    "RC_PARAMS for the RapidCheck properties under ctest (a fixed seed and case count)")
set(LASTWORD_FUZZ_SEED 1 CACHE STRING "libFuzzer -seed for the fuzz tests under ctest")
message(STATUS "ctest: RapidCheck RC_PARAMS=\"${LASTWORD_RC_PARAMS}\", libFuzzer -seed=${LASTWORD_FUZZ_SEED}")

# lastword_label(LABEL test...): gives tests declared with add_test their label.
function(lastword_label label)
  if(NOT label IN_LIST LASTWORD_TEST_LABELS)
    message(FATAL_ERROR "lastword_label: '${label}' is not one of ${LASTWORD_TEST_LABELS}")
  endif()
  set_tests_properties(${ARGN} PROPERTIES LABELS ${label})
endfunction()

# lastword_test(NAME src... LIBS lib... [LABEL label]): a GoogleTest binary,
# each test registered with ctest (label unit unless given).
function(lastword_test name)
  cmake_parse_arguments(arg "" "LABEL" "LIBS" ${ARGN})
  if(LASTWORD_FUZZ_ONLY)
    # Declared (later settings on it still apply) but never built.
    add_executable(${name} EXCLUDE_FROM_ALL ${arg_UNPARSED_ARGUMENTS})
    return()
  endif()
  if(NOT arg_LABEL)
    set(arg_LABEL unit)
  endif()
  add_executable(${name} ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${name} PRIVATE ${arg_LIBS} GTest::gtest GTest::gtest_main)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60 PROPERTIES LABELS ${arg_LABEL})
endfunction()

# lastword_property(NAME src... LIBS lib...): RapidCheck properties run
# through GoogleTest. Under ctest RC_PARAMS is LASTWORD_RC_PARAMS (a fixed
# seed and max_success); run by hand, the seed is fresh and printed. Every
# failure prints the command that reproduces it (props/rc_main.cpp).
function(lastword_property name)
  cmake_parse_arguments(arg "" "" "LIBS" ${ARGN})
  if(LASTWORD_FUZZ_ONLY)
    add_executable(${name} EXCLUDE_FROM_ALL ${arg_UNPARSED_ARGUMENTS})
    return()
  endif()
  add_executable(${name} ${arg_UNPARSED_ARGUMENTS} ${CMAKE_SOURCE_DIR}/props/rc_main.cpp)
  target_link_libraries(${name} PRIVATE ${arg_LIBS} rapidcheck rapidcheck_gtest GTest::gtest)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS property ENVIRONMENT "RC_PARAMS=${LASTWORD_RC_PARAMS}")
endfunction()

# lastword_fuzzer(NAME src LIBS lib... RUNS n [CATCH_RUNS m]):
# a libFuzzer target whose seed corpus is corpus/NAME/ and dictionary
# fuzz/NAME.dict.
#  - Always: fuzz_NAME_replay, the target linked with a small main that runs
#    every corpus file once (works with g++); ctest replays the corpus.
#  - With LASTWORD_FUZZ: fuzz_NAME, linked with libFuzzer; ctest runs it
#    (fuzz_NAME_run) for exactly n runs with seed LASTWORD_FUZZ_SEED on a
#    scratch copy of the corpus, and again (fuzz_NAME_repeats) to show the
#    run repeats exactly; and, with CATCH_RUNS, for each registered
#    variant the target can express (impls/registry.hpp; the built target
#    lists them), fuzz_NAME_catches_VARIANT: the fuzzer, started from an
#    empty corpus with the same seed, finds that planted bug within m runs.
#    No time limits: TIMEOUT is only a safety bound.
function(lastword_fuzzer name src)
  cmake_parse_arguments(arg "" "RUNS;CATCH_RUNS" "LIBS" ${ARGN})
  set(corpus ${CMAKE_SOURCE_DIR}/corpus/${name})
  add_executable(fuzz_${name}_replay ${src} ${CMAKE_SOURCE_DIR}/fuzz/replay_main.cpp)
  target_link_libraries(fuzz_${name}_replay PRIVATE ${arg_LIBS})
  add_test(NAME fuzz_${name}_corpus_replay COMMAND fuzz_${name}_replay ${corpus})
  lastword_label(fuzz-replay fuzz_${name}_corpus_replay)
  if(LASTWORD_FUZZ)
    if(NOT arg_RUNS)
      message(FATAL_ERROR "lastword_fuzzer(${name}): give RUNS (and CATCH_RUNS for the catch tests)")
    endif()
    add_executable(fuzz_${name} ${src})
    target_link_libraries(fuzz_${name} PRIVATE ${arg_LIBS})
    separate_arguments(engine UNIX_COMMAND "${LASTWORD_FUZZING_ENGINE}")
    target_link_options(fuzz_${name} PRIVATE ${engine})
    set(work ${CMAKE_BINARY_DIR}/fuzz-work/${name})
    add_test(NAME fuzz_${name}_run
      COMMAND ${CMAKE_SOURCE_DIR}/scripts/fuzz_run.sh $<TARGET_FILE:fuzz_${name}> ${work} ${corpus}
        ${CMAKE_SOURCE_DIR}/fuzz/${name}.dict ${arg_RUNS} ${LASTWORD_FUZZ_SEED})
    set_tests_properties(fuzz_${name}_run PROPERTIES LABELS fuzz-smoke TIMEOUT 600 FIXTURES_SETUP fuzz_${name}_run)
    # The same run again, by another process in another folder: it must end
    # with the same figures (a target that reads a clock, a random device or
    # an address into its behaviour fails here, not at random later).
    add_test(NAME fuzz_${name}_repeats
      COMMAND ${CMAKE_SOURCE_DIR}/scripts/fuzz_deterministic.sh --after ${work} $<TARGET_FILE:fuzz_${name}>
        ${work}-repeat ${corpus} ${CMAKE_SOURCE_DIR}/fuzz/${name}.dict ${arg_RUNS} ${LASTWORD_FUZZ_SEED})
    set_tests_properties(fuzz_${name}_repeats PROPERTIES LABELS fuzz-smoke TIMEOUT 600
      FIXTURES_REQUIRED fuzz_${name}_run)
    # The catch tests: one per registered variant the target can express,
    # listed by the built target itself (cmake/fuzz_catch_tests.cmake).
    if(arg_CATCH_RUNS AND NOT LASTWORD_FUZZ_ONLY)
      set(names ${CMAKE_BINARY_DIR}/fuzz-catches/${name}.names)
      add_custom_command(TARGET fuzz_${name} POST_BUILD
        COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:fuzz_${name}> -DOUT=${names}
          -P ${CMAKE_SOURCE_DIR}/cmake/fuzz_catch_tests.cmake
        VERBATIM)
      # Read by ctest: a test per listed variant; before the target is
      # built there is no list, and a failing test says so.
      set(include ${CMAKE_BINARY_DIR}/fuzz-catches/${name}-include.cmake)
      file(WRITE ${include}
        "if(EXISTS \"${names}\")\n"
        "  file(STRINGS \"${names}\" variants)\n"
        "  foreach(v IN LISTS variants)\n"
        "    add_test(fuzz_${name}_catches_\${v} \"${CMAKE_SOURCE_DIR}/scripts/fuzz_expect_catch.sh\" "
        "\"${CMAKE_BINARY_DIR}/fuzz_${name}\" \"${work}-\${v}\" \${v} \"${CMAKE_SOURCE_DIR}/fuzz/${name}.dict\" "
        "${arg_CATCH_RUNS} ${LASTWORD_FUZZ_SEED})\n"
        "    set_tests_properties(fuzz_${name}_catches_\${v} PROPERTIES LABELS fuzz-smoke TIMEOUT 600)\n"
        "  endforeach()\n"
        "else()\n"
        "  add_test(fuzz_${name}_catches_NOT_BUILT false)\n"
        "  set_tests_properties(fuzz_${name}_catches_NOT_BUILT PROPERTIES LABELS fuzz-smoke)\n"
        "  message(WARNING \"fuzz_${name} is not built: cmake --build --preset fuzz --target fuzz_${name}\")\n"
        "endif()\n")
      set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${include})
    endif()
  endif()
endfunction()

# ci_every_test_has_a_label: lists the tests whose label is none of
# LASTWORD_TEST_LABELS, and fails when there is one. Call last.
function(lastword_check_labels)
  string(REPLACE ";" "|" any "^(${LASTWORD_TEST_LABELS})$")
  add_test(NAME ci_every_test_has_a_label
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/check_labels.sh ${CMAKE_CTEST_COMMAND} ${CMAKE_BINARY_DIR} "${any}")
  # ... and it can fail: with one label allowed, the others' tests are listed.
  add_test(NAME ci_label_check_sees_other_labels
    COMMAND ${CMAKE_SOURCE_DIR}/scripts/expect_exit.sh 1 ${CMAKE_SOURCE_DIR}/scripts/check_labels.sh
            ${CMAKE_CTEST_COMMAND} ${CMAKE_BINARY_DIR} "^(unit)$")
  lastword_label(unit ci_every_test_has_a_label ci_label_check_sees_other_labels)
endfunction()
