# Warnings and sanitizer options live on INTERFACE targets; every kit target links them.

add_library(lockstep_warnings INTERFACE)
add_library(lockstep::warnings ALIAS lockstep_warnings)
target_compile_options(lockstep_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow
                                                   -Wconversion -Wno-sign-conversion)

add_library(lockstep_flags INTERFACE)
add_library(lockstep::flags ALIAS lockstep_flags)
if(LOCKSTEP_SANITIZER STREQUAL "asan")
  set(sanitizer_options -fsanitize=address,undefined -fno-sanitize-recover=all
                        -fno-omit-frame-pointer)
elseif(LOCKSTEP_SANITIZER STREQUAL "tsan")
  set(sanitizer_options -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT LOCKSTEP_SANITIZER STREQUAL "")
  message(FATAL_ERROR "LOCKSTEP_SANITIZER must be '', asan or tsan, not '${LOCKSTEP_SANITIZER}'")
endif()
if(sanitizer_options)
  target_compile_options(lockstep_flags INTERFACE ${sanitizer_options})
  target_link_options(lockstep_flags INTERFACE ${sanitizer_options})
endif()
