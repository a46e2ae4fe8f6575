# Writes OUT, a C++ file holding the console's pages (server/console/web)
# as kConsoleAssets (console.cpp), so the program serves them with nothing
# installed beside it. Run by CMake at build time: cmake -DWEB=... -DOUT=... -P embed.cmake
set(pages
  "index.html|/|text/html"
  "login.html|/login|text/html"
  "tokens.html|/tokens|text/html"
  "exceptions.html|/exceptions|text/html"
  "periods.html|/periods|text/html"
  "console.css|/console.css|text/css"
  "console.js|/console.js|text/javascript")
set(code "// Generated from server/console/web by embed.cmake: do not edit.\n#include <cstddef>\n\nnamespace fieldsync::server {\nstruct Asset {\n  const char* path;\n  const char* type;\n  const char* body;\n};\nextern const Asset kConsoleAssets[] = {\n")
set(count 0)
foreach(page IN LISTS pages)
  string(REPLACE "|" ";" parts "${page}")
  list(GET parts 0 file)
  list(GET parts 1 path)
  list(GET parts 2 type)
  file(READ "${WEB}/${file}" body)
  string(FIND "${body}" ")fsasset\"" clash)
  if(NOT clash EQUAL -1)
    message(FATAL_ERROR "${file} holds the raw-string delimiter )fsasset\"")
  endif()
  string(APPEND code "    {\"${path}\", \"${type}\", R\"fsasset(${body})fsasset\"},\n")
  math(EXPR count "${count} + 1")
endforeach()
string(APPEND code "};\nextern const std::size_t kConsoleAssetCount = ${count};\n}  // namespace fieldsync::server\n")
file(WRITE "${OUT}.tmp" "${code}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
