// Man pages (roff, man(7) macros) generated from the CLI model plus hand-written sections kept
// in docs/man/*.txt, so synopsis and options can never drift from the code.
//
// docs/man text format: "## NAME OF SECTION" starts a section; blank lines separate paragraphs;
// lines indented by four spaces are shown verbatim (examples, JSON); "- " starts a bullet;
// "TERM :: text" is a definition (exit codes, fields); `code` is set in bold.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tools/cli_model.h"

namespace mediaforge::cli {

// Section name ("EXAMPLES") -> its text in the format above, in file order.
using ManSections = std::vector<std::pair<std::string, std::string>>;

// Reads a docs/man file; a file that does not exist has no sections.
absl::StatusOr<ManSections> ReadManSections(const std::string& path);

// The light markup above -> roff body text.
std::string MarkupToRoff(const std::string& text);

// mediaforge-NAME(1): NAME, SYNOPSIS, DESCRIPTION, OPTIONS from the model; `own` sections and
// the `common` ones that apply (PROGRESS with --progress, SAFETY with --yes, EXIT STATUS and
// ENVIRONMENT always) in the usual man-page order.
std::string CommandManPage(const CommandModel& cmd, const ManSections& own,
                           const ManSections& common, const std::string& version);

// mediaforge(1): the commands, global options and every common section.
std::string MainManPage(const std::vector<CommandModel>& cmds, const ManSections& own,
                        const ManSections& common, const std::string& version);

}  // namespace mediaforge::cli
