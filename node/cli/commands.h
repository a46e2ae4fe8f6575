// The command table of the fieldsync program (node/cli/main.cpp): every
// command, its arguments and options, and the CLI11 command line built from
// it, so that --help is always the truth. tests/fuzz parses with it too.
#pragma once

#include <CLI/CLI.hpp>

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "cli/table.h"
#include "node/node.h"

namespace fieldsync::node::cli {

using fieldsync::cli::Table;

struct Option {
  std::string name;  // without the leading --
  std::string arg;   // empty: a flag
  std::string help;
  bool required = false;
  bool repeat = false;
};

// The parsed arguments of the command that runs.
class Args {
 public:
  Args(const CLI::App& app, const std::vector<std::string>& positional) : app_(app), positional_(positional) {}
  std::string pos(std::size_t i) const { return app_.get_option(positional_.at(i))->as<std::string>(); }
  bool has(const std::string& name) const {  // false for an option the command does not have
    const CLI::Option* o = app_.get_option_no_throw("--" + name);
    return o && o->count() > 0;
  }
  bool flag(const std::string& name) const { return has(name) && app_.get_option("--" + name)->as<bool>(); }
  std::string get(const std::string& name) const {
    return has(name) ? app_.get_option("--" + name)->as<std::string>() : std::string();
  }
  std::vector<std::string> all(const std::string& name) const {
    return has(name) ? app_.get_option("--" + name)->as<std::vector<std::string>>() : std::vector<std::string>();
  }

 private:
  const CLI::App& app_;
  const std::vector<std::string>& positional_;
};

using Handler = std::function<Result<Table>(Node&, const Args&)>;

struct Command {
  std::string noun, verb;  // verb empty: a one-word command
  std::vector<std::string> positional;
  std::string summary;
  std::vector<Option> options;
  Handler run;  // null: main() runs it (it needs more than an open node)
};


std::vector<Command> commands();

// The whole command line: global options, then one subcommand per noun and
// one per verb below it, in the order of commands().
struct CommandLine {
  CLI::App app{"fieldsync: a local node of fieldsync, the offline-first sync for field service and stock", "fieldsync"};
  std::string db;
  bool json = false;
  std::vector<Command> all = commands();
  std::vector<CLI::App*> subs;  // all[i]'s subcommand

  CommandLine();
  // After a successful parse: the command given, and its arguments.
  const Command& command() const;
  Args args() const;

 private:
  std::map<std::string, CLI::App*> nouns_;
  std::deque<bool> flags_;  // what the flags are bound to
};

}  // namespace fieldsync::node::cli
