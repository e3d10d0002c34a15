# lockstep_add_exercise(<name>): the implementation target lockstep::<name>, built from
# ${LOCKSTEP_IMPL_DIR}/<name>/, and the public and hidden test executables built from the
# kit's own test files against it.

function(lockstep_add_exercise name)
  set(impl_dir "${LOCKSTEP_IMPL_DIR}/${name}")
  if(NOT IS_DIRECTORY "${impl_dir}")
    message(FATAL_ERROR "exercise '${name}': no implementation folder ${impl_dir}")
  endif()

  file(GLOB impl_sources CONFIGURE_DEPENDS "${impl_dir}/*.cpp")
  list(FILTER impl_sources EXCLUDE REGEX "_test\\.cpp$")
  if(impl_sources)
    add_library(lockstep_${name} STATIC ${impl_sources})
    target_include_directories(lockstep_${name} PUBLIC "${impl_dir}")
    target_link_libraries(lockstep_${name} PUBLIC lockstep::harness Threads::Threads
                                           PRIVATE lockstep::warnings)
  else()
    add_library(lockstep_${name} INTERFACE)
    target_include_directories(lockstep_${name} INTERFACE "${impl_dir}")
    target_link_libraries(lockstep_${name} INTERFACE lockstep::harness Threads::Threads)
  endif()
  add_library(lockstep::${name} ALIAS lockstep_${name})

  lockstep_add_test_executable(${name}_public_test ${name}
                               "${PROJECT_SOURCE_DIR}/exercises/${name}/public_test.cpp")
  file(GLOB hidden_sources CONFIGURE_DEPENDS "${PROJECT_SOURCE_DIR}/tests/hidden/${name}/*.cpp")
  if(LOCKSTEP_HIDDEN_ONLY)
    list(FILTER hidden_sources INCLUDE REGEX "/(${_lockstep_hidden_only_regex})$")
  endif()
  if(hidden_sources)
    lockstep_add_test_executable(${name}_hidden_test ${name} ${hidden_sources})
    if(LOCKSTEP_UNITY)
      lockstep_unity(${name}_hidden_test ${hidden_sources})
    endif()
  endif()

  # The performance workload (DESIGN 7.8): timed by the grader in the release build, not
  # registered with ctest (its correctness checks are the hidden tests' job).
  file(GLOB performance_sources CONFIGURE_DEPENDS
       "${PROJECT_SOURCE_DIR}/tests/hidden/${name}/performance/*.cpp")
  if(performance_sources)
    lockstep_add_test_executable(${name}_performance_test ${name} ${performance_sources}
                                 NO_DISCOVERY)
  endif()
endfunction()

# GoogleTest's header is most of the parse time of a small test file: it is precompiled once
# per build (with the flags every test file shares) and reused by every test executable.
# LOCKSTEP_PCH=OFF compiles without it (a compiler that rejects a PCH, or to compare).
option(LOCKSTEP_PCH "Precompile gtest/gtest.h once and reuse it in every test executable" ON)

function(lockstep_test_pch)
  if(TARGET lockstep_test_pch)
    return()
  endif()
  add_library(lockstep_test_pch OBJECT "${PROJECT_SOURCE_DIR}/cmake/lockstep_test_pch.cpp")
  target_link_libraries(lockstep_test_pch PRIVATE lockstep::harness lockstep::warnings)
  target_precompile_headers(lockstep_test_pch PRIVATE <gtest/gtest.h>)
endfunction()

# Every test file of an exercise instantiates the same student templates, GoogleTest
# matchers and standard containers, and under a sanitizer each file pays again for their
# instrumented code: the hidden files are compiled as two unity units instead (channel's
# six files under ASan+UBSan: 20.3 CPU s apart, 10.3 s as one unit), two so that both
# cores work on one exercise. The price: file-local names must differ across an
# exercise's hidden test files (AUTHORING.md). LOCKSTEP_UNITY=OFF compiles them one by one.
option(LOCKSTEP_UNITY "Compile the harness as one unity unit and each exercise's hidden test files as two" ON)

function(lockstep_unity target)
  list(LENGTH ARGN files)
  math(EXPR per_unit "(${files} + 1) / 2")
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${per_unit})
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # In a unity unit the test files are no longer the main file, and g++ then warns about
    # every test-local lambda a student template stores: a cross-file linkage warning
    # that cannot apply to test code compiled in one unit.
    target_compile_options(${target} PRIVATE -Wno-subobject-linkage)
  endif()
endfunction()

function(lockstep_add_test_executable target name)
  cmake_parse_arguments(PARSE_ARGV 2 arg "NO_DISCOVERY" "" "")
  add_executable(${target} ${arg_UNPARSED_ARGUMENTS})
  target_link_libraries(${target} PRIVATE lockstep::${name} lockstep::harness
                                          lockstep::warnings)
  if(LOCKSTEP_PCH)
    lockstep_test_pch()
    target_precompile_headers(${target} REUSE_FROM lockstep_test_pch)
  endif()
  if(NOT arg_NO_DISCOVERY)
    gtest_discover_tests(${target} DISCOVERY_MODE PRE_TEST NO_PRETTY_VALUES
                         PROPERTIES TIMEOUT ${LOCKSTEP_TEST_TIMEOUT} LABELS ${name})
  endif()
endfunction()
