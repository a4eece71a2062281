// mediaforge: build bootable media, write and verify images, measure drives.
#include "tools/cli_common.h"

int main(int argc, char** argv) {
  mediaforge::cli::RunContext ctx;  // no Target wrapper: no fault hook in the shipped binary
  return mediaforge::cli::RunMediaforge(argc, argv, ctx);
}
