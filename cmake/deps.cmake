# Boost 1.81 from Debian (libboost1.81-dev); the default 1.74 lacks Boost.JSON.
find_package(Boost 1.81 EXACT REQUIRED COMPONENTS json url unit_test_framework)
find_package(Threads REQUIRED)
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(SQLite3 REQUIRED)
find_package(PostgreSQL REQUIRED)

# SOCI 4.0 ships no CMake config on Debian.
find_path(SOCI_INCLUDE_DIR soci/soci.h REQUIRED)
find_library(SOCI_CORE_LIB soci_core REQUIRED)
find_library(SOCI_SQLITE_LIB soci_sqlite3 REQUIRED)
find_library(SOCI_PG_LIB soci_postgresql REQUIRED)
add_library(kefu_soci INTERFACE)
target_include_directories(kefu_soci SYSTEM INTERFACE ${SOCI_INCLUDE_DIR} ${PostgreSQL_INCLUDE_DIRS})
target_link_libraries(kefu_soci INTERFACE ${SOCI_SQLITE_LIB} ${SOCI_PG_LIB} ${SOCI_CORE_LIB}
                      SQLite::SQLite3 ${PostgreSQL_LIBRARIES} ${CMAKE_DL_LIBS})

find_library(SODIUM_LIB sodium REQUIRED)
find_path(SODIUM_INCLUDE_DIR sodium.h REQUIRED)

# jemalloc for the long-running binaries (kefud, kefu-load): glibc's malloc
# spends a tenth of kefud's time under load consolidating fast bins for Asio's
# per-write operation blocks; jemalloc's thread caches do not (docs/benchmarks.md).
# Off under the sanitizers, which bring their own allocator.
option(KEFU_JEMALLOC "Link kefud and kefu-load against jemalloc" ON)
add_library(kefu_malloc INTERFACE)
if(KEFU_JEMALLOC AND NOT KEFU_SANITIZE AND NOT KEFU_TSAN)
  find_library(JEMALLOC_LIB jemalloc REQUIRED)
  target_link_libraries(kefu_malloc INTERFACE ${JEMALLOC_LIB})
endif()
