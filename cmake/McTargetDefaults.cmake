# Compiler settings every target of ours shares: language level, warnings as errors,
# and the optional sanitizers chosen with -DMC_SANITIZE=address;undefined or thread.

set(MC_SANITIZE "" CACHE STRING "Sanitizers for our targets: 'address;undefined' or 'thread'")
option(MC_WERROR "Treat warnings in our own code as errors" ON)
# RelWithDebInfo (the default build, the one the tests and CI use) keeps line tables only:
# backtraces still name files and lines, and a clean build of everything takes 449 s instead of
# 628 s on 2 cores: most of the difference is debug info for CAF's and Boost's templates.
option(MC_FULL_DEBUG_INFO "Full debug info (-g) in RelWithDebInfo builds, not line tables (-g1)"
       OFF)

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
  if(NOT MC_FULL_DEBUG_INFO)
    # After the build type's own -g on the command line, so this level is the one that counts.
    target_compile_options(${target} PRIVATE $<$<CONFIG:RelWithDebInfo>:-g1>)
  endif()
  # GCC 12 at -O3 (Release) reports a false -Wrestrict inside std::string's inlined copies
  # (GCC bug 105329, gone in GCC 13) wherever a literal is joined to a string, so a Release
  # build failed under -Werror. The -O2 builds that CI and the tests use keep the warning.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
     AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-Wno-restrict>)
  endif()
  if(_mc_sanitize_flags)
    target_compile_options(${target} PUBLIC ${_mc_sanitize_flags})
    target_link_options(${target} PUBLIC ${_mc_sanitize_flags})
  endif()
endfunction()
