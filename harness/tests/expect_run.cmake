cmake_minimum_required(VERSION 3.25)

# Runs one test process the way the grader does and checks what it leaves behind.
#   COMMAND, ARGS (list), ENV (list of NAME=VALUE): what to run
#   EXPECT_EXIT: the exit code it must end with
#   EXPECT_STDERR (list of regexes): each must match its stderr
#   RESULT_FILE: passed as LOCKSTEP_RESULT_FILE; then EXPECT_RECORDS (list of
#   Suite.Test=status) and EXPECT_NONCE are checked against its JSON lines.

set(env ${ENV})
if(RESULT_FILE)
  file(REMOVE ${RESULT_FILE})
  list(APPEND env LOCKSTEP_RESULT_FILE=${RESULT_FILE})
endif()

execute_process(
  COMMAND ${CMAKE_COMMAND} -E env ${env} ${COMMAND} ${ARGS}
  RESULT_VARIABLE exit_code
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err
  TIMEOUT 25)

if(NOT exit_code STREQUAL "${EXPECT_EXIT}")
  message(FATAL_ERROR "exit code ${exit_code}, expected ${EXPECT_EXIT}\n"
                      "stdout:\n${out}\nstderr:\n${err}")
endif()
foreach(pattern IN LISTS EXPECT_STDERR)
  if(NOT err MATCHES "${pattern}")
    message(FATAL_ERROR "stderr does not match '${pattern}':\n${err}")
  endif()
endforeach()

if(RESULT_FILE)
  file(READ ${RESULT_FILE} records)
  string(REGEX REPLACE "\n$" "" records "${records}")
  string(REPLACE "\n" ";" records "${records}")
  list(LENGTH records count)
  list(LENGTH EXPECT_RECORDS expected_count)
  if(NOT count EQUAL expected_count)
    message(FATAL_ERROR "${count} records, expected ${expected_count}:\n${records}")
  endif()
  foreach(record IN LISTS records)
    string(JSON test ERROR_VARIABLE error GET "${record}" test)
    if(error)
      message(FATAL_ERROR "not JSON (${error}): ${record}")
    endif()
    string(JSON status GET "${record}" status)
    string(JSON nonce GET "${record}" nonce)
    string(JSON seed GET "${record}" seed)
    string(JSON duration GET "${record}" duration_ms)
    string(JSON failures LENGTH "${record}" failures)
    if(NOT "${test}=${status}" IN_LIST EXPECT_RECORDS)
      message(FATAL_ERROR "unexpected record ${test}=${status}: ${record}")
    endif()
    if(NOT nonce STREQUAL "${EXPECT_NONCE}")
      message(FATAL_ERROR "nonce '${nonce}', expected '${EXPECT_NONCE}'")
    endif()
    if(NOT duration MATCHES "^[0-9]+\\.[0-9]+$")
      message(FATAL_ERROR "duration_ms '${duration}' is not a float")
    endif()
    if(status STREQUAL "failed")
      if(failures EQUAL 0)
        message(FATAL_ERROR "a failed record without failures: ${record}")
      endif()
      string(JSON file GET "${record}" failures 0 file)
      string(JSON line GET "${record}" failures 0 line)
      if(NOT file STREQUAL "quote\".cpp" OR NOT line EQUAL 12)
        message(FATAL_ERROR "failure location ${file}:${line}: ${record}")
      endif()
    elseif(NOT failures EQUAL 0)
      message(FATAL_ERROR "failures in a ${status} record: ${record}")
    endif()
  endforeach()
endif()
