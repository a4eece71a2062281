// `mediaforge --version`: the version, the git commit it was built from, and the versions of the
// libraries linked (asked of the libraries at run time where they can say, else the headers').
#pragma once

#include <string>

namespace mediaforge::cli {

std::string VersionText();

}  // namespace mediaforge::cli
