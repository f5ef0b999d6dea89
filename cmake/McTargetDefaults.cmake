# Compiler settings every target of ours shares: language level, warnings as errors,
# and the optional sanitizers chosen with -DMC_SANITIZE=address;undefined or thread.

set(MC_SANITIZE "" CACHE STRING "Sanitizers for our targets: 'address;undefined' or 'thread'")
option(MC_WERROR "Treat warnings in our own code as errors" ON)

if("thread" IN_LIST MC_SANITIZE AND "address" IN_LIST MC_SANITIZE)
  message(FATAL_ERROR "MC_SANITIZE: thread cannot be combined with address")
endif()

set(_mc_sanitize_flags "")
foreach(s IN LISTS MC_SANITIZE)
  if(NOT s MATCHES "^(address|undefined|thread)$")
    message(FATAL_ERROR "MC_SANITIZE: unknown sanitizer '${s}'")
  endif()
  list(APPEND _mc_sanitize_flags "-fsanitize=${s}")
endforeach()
if(_mc_sanitize_flags)
  list(APPEND _mc_sanitize_flags -fno-omit-frame-pointer -fno-sanitize-recover=all)
endif()

function(mc_target_defaults target)
  target_compile_features(${target} PUBLIC cxx_std_20)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                         -Wnon-virtual-dtor -Wconversion -Wno-sign-conversion)
  if(MC_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(_mc_sanitize_flags)
    target_compile_options(${target} PUBLIC ${_mc_sanitize_flags})
    target_link_options(${target} PUBLIC ${_mc_sanitize_flags})
  endif()
endfunction()
