// Entry point of the mission-control binary: parses the sub-command and its options.
#include "mc/version.hpp"

#include <boost/program_options.hpp>

#include <iostream>
#include <string>

namespace po = boost::program_options;

int main(int argc, char** argv) {
  po::options_description opts("mission-control options");
  opts.add_options()("help,h", "show this help")("version", "print the version and exit");
  po::variables_map vm;
  try {
    po::store(po::command_line_parser(argc, argv).options(opts).allow_unregistered().run(), vm);
  } catch (const po::error& e) {
    std::cerr << "mission-control: " << e.what() << "\n";
    return 2;
  }
  if (vm.count("help")) {
    std::cout << "usage: mission-control [serve|--version]\n" << opts;
    return 0;
  }
  std::cout << "mission-control " << mc::version << "\n";
  return 0;
}
