// mediaforge_faulty: the mediaforge CLI (the same RunMediaforge, commands, job and destination
// code) with every destination wrapped by the fault script in MEDIAFORGE_TEST_FAULT
// (fault_script.h). A test binary only: the shipped main.cc sets no wrapper and links no fault
// code, so no environment variable can inject faults into a real write (docs/RELIABILITY.md).
#include <cstdio>
#include <cstdlib>

#include "tests/faults/fault_script.h"
#include "tools/cli_common.h"

int main(int argc, char** argv) {
  const char* text = std::getenv("MEDIAFORGE_TEST_FAULT");
  auto script = mediaforge::faults::ParseFaultScript(text ? text : "");
  if (!script.ok()) {
    std::fprintf(stderr, "mediaforge_faulty: %s\n", std::string(script.status().message()).c_str());
    return 2;
  }
  mediaforge::cli::RunContext ctx;
  ctx.wrap_target = [script = *script](std::unique_ptr<mediaforge::device::Target> inner) {
    return mediaforge::faults::ApplyFaultScript(script, std::move(inner));
  };
  return mediaforge::cli::RunMediaforge(argc, argv, ctx);
}
