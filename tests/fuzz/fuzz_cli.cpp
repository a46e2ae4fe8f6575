// Command lines of the fieldsync program, parsed with its own command
// table (node/cli/commands.h): NUL bytes split the arguments.
#include <cstdint>
#include <string>
#include <vector>

#include "cli/program.h"
#include "node/cli/commands.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words{"fieldsync"};
  std::string word;
  for (std::size_t i = 0; i < size && words.size() < 64; ++i) {
    if (data[i] == 0) {
      words.push_back(word);
      word.clear();
    } else {
      word += static_cast<char>(data[i]);
    }
  }
  words.push_back(word);
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  static const fieldsync::cli::Program program("fieldsync");
  static fieldsync::node::cli::CommandLine line;  // built once; clear() forgets the last parse
  line.app.clear();
  if (!program.parse(line.app, static_cast<int>(argv.size()), argv.data())) {
    (void)line.command();
    (void)line.args();
  }
  return 0;
}
