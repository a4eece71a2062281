#include "engine/bmap.h"

#include <expat.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "device/digest.h"

namespace mediaforge::engine {
namespace {

struct Field {
  std::string text;
  int line = 0;
};

// What the SAX callbacks collect; validation happens afterwards, on the whole picture.
struct ParseState {
  XML_Parser parser = nullptr;
  std::vector<std::string> stack;  // open elements
  std::string text;                // character data of the innermost element
  bool saw_root = false;
  Field version;
  std::map<std::string, Field> fields;  // leaf elements under <bmap>
  std::vector<BmapRange> ranges;
  std::vector<std::string> range_text;
  std::vector<std::string> range_sha1, range_chksum;  // the two attribute spellings
  std::string error;                                  // first structural error ("line N: ...")
  int error_line = 0;
};

int Line(ParseState& st) { return static_cast<int>(XML_GetCurrentLineNumber(st.parser)); }

void Fail(ParseState& st, const std::string& what) {
  if (!st.error.empty()) return;
  st.error = what;
  st.error_line = Line(st);
  XML_StopParser(st.parser, XML_FALSE);
}

void XMLCALL OnStart(void* user, const XML_Char* name, const XML_Char** attrs) {
  auto& st = *static_cast<ParseState*>(user);
  std::string n = name;
  st.text.clear();
  if (st.stack.empty()) {
    if (n != "bmap") return Fail(st, absl::StrCat("root element is <", n, ">, not <bmap>"));
    st.saw_root = true;
    for (int i = 0; attrs[i] != nullptr; i += 2) {
      if (std::string(attrs[i]) == "version") st.version = {attrs[i + 1], Line(st)};
    }
  } else if (n == "Range") {
    if (st.stack.back() != "BlockMap") return Fail(st, "<Range> outside <BlockMap>");
    BmapRange r;
    r.line = Line(st);
    std::string sha1, chksum;
    for (int i = 0; attrs[i] != nullptr; i += 2) {
      std::string a = attrs[i];
      if (a == "sha1") sha1 = attrs[i + 1];
      if (a == "chksum") chksum = attrs[i + 1];
    }
    st.ranges.push_back(r);
    st.range_sha1.push_back(sha1);
    st.range_chksum.push_back(chksum);
  } else if (st.stack.size() == 1 && n != "BlockMap") {
    if (st.fields.count(n) != 0) return Fail(st, absl::StrCat("<", n, "> appears twice"));
    st.fields[n] = {"", Line(st)};
  }
  st.stack.push_back(n);
}

void XMLCALL OnEnd(void* user, const XML_Char* name) {
  auto& st = *static_cast<ParseState*>(user);
  std::string n = name;
  if (n == "Range" && !st.ranges.empty()) {
    st.range_text.push_back(st.text);
  } else if (st.stack.size() == 2 && st.fields.count(n) != 0) {
    st.fields[n].text = st.text;
  }
  st.text.clear();
  if (!st.stack.empty()) st.stack.pop_back();
}

void XMLCALL OnText(void* user, const XML_Char* s, int len) {
  static_cast<ParseState*>(user)->text.append(s, static_cast<size_t>(len));
}

absl::Status LineError(const std::string& path, int line, const std::string& what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": ", what));
}

bool IsHex(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A number element: required, decimal, no junk.
absl::StatusOr<uint64_t> Number(const ParseState& st, const std::string& path,
                                const std::string& name) {
  auto it = st.fields.find(name);
  if (it == st.fields.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": bmap has no <", name, "> element (every version requires it)"));
  }
  uint64_t v = 0;
  std::string t(absl::StripAsciiWhitespace(it->second.text));
  if (!absl::SimpleAtoi(t, &v) || t.empty() || t[0] == '-' || t[0] == '+') {
    return LineError(path, it->second.line,
                     absl::StrCat("<", name, "> is \"", t, "\", not a non-negative integer"));
  }
  return v;
}

absl::Status ParseRangeText(const std::string& path, const std::string& text, BmapRange& r) {
  std::string t(absl::StripAsciiWhitespace(text));
  std::vector<std::string> parts = absl::StrSplit(t, absl::MaxSplits('-', 1));
  std::string first(absl::StripAsciiWhitespace(parts[0]));
  std::string last = parts.size() > 1 ? std::string(absl::StripAsciiWhitespace(parts[1])) : first;
  if (first.empty() || first.find_first_not_of("0123456789") != std::string::npos || last.empty() ||
      last.find_first_not_of("0123456789") != std::string::npos ||
      !absl::SimpleAtoi(first, &r.first_block) || !absl::SimpleAtoi(last, &r.last_block)) {
    return LineError(path, r.line, absl::StrCat("range \"", t, "\" is not \"FIRST-LAST\""));
  }
  if (r.first_block > r.last_block) {
    return LineError(path, r.line, absl::StrCat("range \"", t, "\" ends before it starts"));
  }
  return absl::OkStatus();
}

// bmaptool's rule: hash the file with the stored checksum's text replaced by '0's.
absl::Status CheckFileChecksum(const Bmap& b, const std::string& text, int line) {
  auto digest = device::Digest::Create(b.checksum_type);
  if (!digest.ok()) return digest.status();
  if (b.file_checksum.size() != digest->hex_length() || !IsHex(b.file_checksum)) {
    return LineError(b.path, line,
                     absl::StrCat("file checksum \"", b.file_checksum, "\" is not ",
                                  digest->hex_length(), " lowercase hex digits"));
  }
  // The recorded text must be found as written: XML may spell the same value another way
  // (upper-case digits, character references), and then there is no text to replace
  // (fuzz/regressions/bmap_fuzzer/).
  size_t pos = text.find(b.file_checksum);
  if (pos == std::string::npos) {
    return LineError(b.path, line,
                     absl::StrCat("file checksum \"", b.file_checksum,
                                  "\" is not written as such in the file (upper-case digits or "
                                  "character references), so it cannot be checked"));
  }
  std::string zeroed = text;
  zeroed.replace(pos, b.file_checksum.size(), std::string(b.file_checksum.size(), '0'));
  digest->Update(absl::string_view(zeroed));
  std::string got = digest->FinalHex();
  if (got != b.file_checksum) {
    return LineError(
        b.path, line,
        absl::StrCat("bmap file checksum mismatch: the file hashes to ", got, " but records ",
                     b.file_checksum, " (the bmap was changed or damaged after it was made)"));
  }
  return absl::OkStatus();
}

std::string HumanSize(uint64_t bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  return u == 0 ? absl::StrCat(bytes, " bytes") : absl::StrFormat("%.1f %s", v, units[u]);
}

}  // namespace

uint64_t Bmap::RangeLength(const BmapRange& r) const {
  uint64_t start = RangeOffset(r);
  uint64_t end = std::min(image_size, (r.last_block + 1) * block_size);
  return end > start ? end - start : 0;
}

uint64_t Bmap::mapped_bytes() const {
  uint64_t n = 0;
  for (const auto& r : ranges) n += RangeLength(r);
  return n;
}

std::string Bmap::version() const { return absl::StrCat(version_major, ".", version_minor); }

absl::StatusOr<Bmap> ParseBmap(const std::string& text, const std::string& path) {
  ParseState st;
  st.parser = XML_ParserCreate(nullptr);
  if (st.parser == nullptr) return absl::ResourceExhaustedError("expat: no memory");
  XML_SetUserData(st.parser, &st);
  XML_SetElementHandler(st.parser, OnStart, OnEnd);
  XML_SetCharacterDataHandler(st.parser, OnText);
  XML_Status rc = XML_Parse(st.parser, text.data(), static_cast<int>(text.size()), XML_TRUE);
  int error_line = static_cast<int>(XML_GetCurrentLineNumber(st.parser));
  const XML_LChar* expat_message = XML_ErrorString(XML_GetErrorCode(st.parser));  // NULL if none
  std::string xml_error = expat_message != nullptr ? expat_message : "";
  XML_ParserFree(st.parser);
  if (!st.error.empty()) return LineError(path, st.error_line, st.error);
  if (rc != XML_STATUS_OK) {
    return LineError(path, error_line, absl::StrCat("not well-formed XML (", xml_error, ")"));
  }
  if (!st.saw_root) return absl::InvalidArgumentError(absl::StrCat(path, ": no <bmap> element"));

  Bmap b;
  b.path = path;
  std::vector<std::string> v = absl::StrSplit(st.version.text, '.');
  if (v.size() != 2 || !absl::SimpleAtoi(v[0], &b.version_major) ||
      !absl::SimpleAtoi(v[1], &b.version_minor) || b.version_major < 1) {
    return LineError(path, st.version.line,
                     absl::StrCat("bmap version \"", st.version.text, "\" is not MAJOR.MINOR"));
  }
  if (b.version_major > 2) {
    return LineError(path, st.version.line,
                     absl::StrCat("bmap format version ", st.version.text,
                                  " is newer than this reader knows (up to 2.x)"));
  }
  auto number = [&](const char* name, uint64_t& out) -> absl::Status {
    auto n = Number(st, path, name);
    if (!n.ok()) return n.status();
    out = *n;
    return absl::OkStatus();
  };
  for (auto [name, out] : {std::pair<const char*, uint64_t*>{"ImageSize", &b.image_size},
                           {"BlockSize", &b.block_size},
                           {"BlocksCount", &b.blocks_count},
                           {"MappedBlocksCount", &b.mapped_blocks_count}}) {
    if (auto s = number(name, *out); !s.ok()) return s;
  }
  if (b.block_size == 0) return LineError(path, st.fields["BlockSize"].line, "BlockSize is 0");
  if (b.blocks_count != (b.image_size + b.block_size - 1) / b.block_size) {
    return LineError(path, st.fields["BlocksCount"].line,
                     absl::StrCat("BlocksCount ", b.blocks_count, " does not match ImageSize ",
                                  b.image_size, " in blocks of ", b.block_size, " bytes"));
  }

  // Which checksum spelling this version uses (see the header).
  const bool v2 = b.version_major == 2 || (b.version_major == 1 && b.version_minor >= 4);
  const bool v13 = b.version_major == 1 && b.version_minor == 3;
  std::string file_sum_tag;
  if (v2) {
    auto it = st.fields.find("ChecksumType");
    if (it == st.fields.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": bmap version ", b.version(), " needs <ChecksumType>"));
    }
    b.checksum_type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(it->second.text));
    if (auto d = device::Digest::Create(b.checksum_type); !d.ok()) {
      return LineError(path, it->second.line, std::string(d.status().message()));
    }
    file_sum_tag = "BmapFileChecksum";
  } else if (v13) {
    b.checksum_type = "sha1";
    file_sum_tag = "BmapFileSHA1";
  }
  if (!file_sum_tag.empty()) {
    auto it = st.fields.find(file_sum_tag);
    if (it == st.fields.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": bmap version ", b.version(), " needs <", file_sum_tag, ">"));
    }
    b.file_checksum = absl::AsciiStrToLower(absl::StripAsciiWhitespace(it->second.text));
    if (auto s = CheckFileChecksum(b, text, it->second.line); !s.ok()) return s;
  }
  if (st.ranges.size() != st.range_text.size()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": unterminated <Range>"));
  }

  const size_t sum_len = b.checksum_type == "sha1" ? 40 : 64;
  uint64_t mapped = 0;
  for (size_t i = 0; i < st.ranges.size(); ++i) {
    BmapRange r = st.ranges[i];
    if (auto s = ParseRangeText(path, st.range_text[i], r); !s.ok()) return s;
    if (r.last_block >= b.blocks_count) {
      return LineError(path, r.line,
                       absl::StrCat("range ", r.first_block, "-", r.last_block,
                                    " runs past the image's ", b.blocks_count, " blocks"));
    }
    if (!b.ranges.empty() && r.first_block <= b.ranges.back().last_block) {
      return LineError(
          path, r.line,
          absl::StrCat("range ", r.first_block, "-", r.last_block,
                       " is out of order or overlaps the range ending at block ",
                       b.ranges.back().last_block, " (line ", b.ranges.back().line, ")"));
    }
    const std::string& sum = v2 ? st.range_chksum[i] : v13 ? st.range_sha1[i] : std::string();
    r.checksum = absl::AsciiStrToLower(sum);
    if (!r.checksum.empty() && (r.checksum.size() != sum_len || !IsHex(r.checksum))) {
      return LineError(path, r.line,
                       absl::StrCat("range checksum \"", sum, "\" is not a ", b.checksum_type,
                                    " digest (", sum_len, " hex digits)"));
    }
    mapped += r.last_block - r.first_block + 1;
    b.ranges.push_back(std::move(r));
  }
  if (mapped != b.mapped_blocks_count) {
    return LineError(path, st.fields["MappedBlocksCount"].line,
                     absl::StrCat("MappedBlocksCount is ", b.mapped_blocks_count,
                                  " but the ranges cover ", mapped, " blocks"));
  }
  return b;
}

absl::StatusOr<Bmap> ReadBmapFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open the bmap file"));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return absl::DataLossError(absl::StrCat(path, ": read error"));
  std::string text = ss.str();
  if (text.size() > (256u << 20)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": larger than 256 MiB, not a bmap"));
  }
  return ParseBmap(text, path);
}

absl::StatusOr<std::string> FormatBmap(const Bmap& b) {
  auto digest = device::Digest::Create(b.checksum_type);
  if (!digest.ok()) return digest.status();
  const uint64_t blocks = (b.image_size + b.block_size - 1) / b.block_size;
  uint64_t mapped = 0;
  for (const auto& r : b.ranges) mapped += r.last_block - r.first_block + 1;
  const double percent = blocks ? 100.0 * static_cast<double>(mapped) / blocks : 0;
  // The layout bmaptool itself writes (values padded by spaces, one <Range> per line).
  std::string out = absl::StrCat(
      "<?xml version=\"1.0\" ?>\n",
      "<!-- Block map of an image, written by mediaforge in bmaptool's format 2.0: only the\n",
      "     listed block ranges hold data and need to be written; each range carries the\n",
      "     checksum of its bytes, and BmapFileChecksum covers this whole file with its own\n",
      "     value replaced by zeros. -->\n\n", "<bmap version=\"2.0\">\n",
      "    <!-- Image size: ", HumanSize(b.image_size), " -->\n", "    <ImageSize> ", b.image_size,
      " </ImageSize>\n\n", "    <BlockSize> ", b.block_size, " </BlockSize>\n\n",
      "    <BlocksCount> ", blocks, " </BlocksCount>\n\n",
      "    <!-- Mapped: ", HumanSize(mapped * b.block_size), absl::StrFormat(" or %.1f%%", percent),
      " -->\n", "    <MappedBlocksCount> ", mapped, " </MappedBlocksCount>\n\n",
      "    <ChecksumType> ", b.checksum_type, " </ChecksumType>\n\n", "    <BmapFileChecksum> ");
  const size_t sum_pos = out.size();
  out.append(digest->hex_length(), '0');
  absl::StrAppend(&out, " </BmapFileChecksum>\n\n    <BlockMap>\n");
  for (const auto& r : b.ranges) {
    std::string attr = r.checksum.empty() ? "" : absl::StrCat(" chksum=\"", r.checksum, "\"");
    if (r.first_block == r.last_block) {
      absl::StrAppend(&out, "        <Range", attr, "> ", r.first_block, " </Range>\n");
    } else {
      absl::StrAppend(&out, "        <Range", attr, "> ", r.first_block, "-", r.last_block,
                      " </Range>\n");
    }
  }
  absl::StrAppend(&out, "    </BlockMap>\n</bmap>\n");
  digest->Update(absl::string_view(out));
  std::string sum = digest->FinalHex();
  out.replace(sum_pos, sum.size(), sum);
  return out;
}

std::optional<std::string> FindBmapBeside(const std::string& image_path) {
  std::string stem = image_path;
  for (;;) {
    std::string candidate = stem + ".bmap";
    struct stat st;
    if (::stat(candidate.c_str(), &st) == 0 && S_ISREG(st.st_mode)) return candidate;
    size_t slash = stem.rfind('/');
    size_t dot = stem.rfind('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash) ||
        dot == (slash == std::string::npos ? 0 : slash + 1)) {
      return std::nullopt;
    }
    stem.resize(dot);
  }
}

}  // namespace mediaforge::engine
