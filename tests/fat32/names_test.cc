// Short names, long names and timestamps: the pieces of a directory entry.
#include <gtest/gtest.h>

#include <cstring>

#include "fs/fat32/dir_builder.h"
#include "fs/fat32/long_names.h"
#include "fs/fat32/short_names.h"

namespace mediaforge::fat32 {
namespace {

ShortName SN(const char (&s)[12]) {
  ShortName n;
  std::memcpy(n.data(), s, 11);
  return n;
}

TEST(LongNames, Utf8ToUtf16UsesSurrogatePairsAboveTheBmp) {
  auto u = Utf8ToUtf16("a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80");  // a é 日 😀
  ASSERT_TRUE(u.has_value());
  EXPECT_EQ(*u, (std::u16string{u'a', 0x00E9, 0x65E5, 0xD83D, 0xDE00}));
  EXPECT_EQ(Utf16ToUtf8(*u), "a\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80");
}

TEST(LongNames, RejectsInvalidUtf8) {
  EXPECT_FALSE(Utf8ToUtf16("\xC0\xAF").has_value());          // overlong '/'
  EXPECT_FALSE(Utf8ToUtf16("\xED\xA0\x80").has_value());      // encoded surrogate
  EXPECT_FALSE(Utf8ToUtf16("\xF4\x90\x80\x80").has_value());  // above U+10FFFF
  EXPECT_FALSE(Utf8ToUtf16("abc\xE6\x97").has_value());       // truncated
  // The substituting form (Joliet) replaces each invalid byte and counts them.
  auto sub = common::Utf8ToUtf16Substituting("a\xC0\xAF" "b", u'_');
  EXPECT_EQ(sub.units, u"a__b");
  EXPECT_EQ(sub.substituted, 2u);
}

TEST(LongNames, ProblemsNameTheReason) {
  EXPECT_FALSE(LongNameProblem("normal name.txt").has_value());
  EXPECT_NE(LongNameProblem("a:b")->find("':'"), std::string::npos);
  EXPECT_NE(LongNameProblem("what?")->find("'?'"), std::string::npos);
  EXPECT_NE(LongNameProblem("trailing.")->find("period"), std::string::npos);
  EXPECT_NE(LongNameProblem("tab\there")->find("control"), std::string::npos);
  EXPECT_NE(LongNameProblem(std::string(256, 'x'))->find("255"), std::string::npos);
  EXPECT_FALSE(LongNameProblem(std::string(255, 'x')).has_value());
}

TEST(LongNames, ChecksumMatchesFatgen103) {
  // Reference value computed by hand with the fatgen103 ChkSum() loop.
  uint8_t sum = 0;
  for (char c : std::string("README  TXT")) sum = ((sum & 1) << 7) + (sum >> 1) + c;
  EXPECT_EQ(ShortNameChecksum(SN("README  TXT")), sum);
}

TEST(LongNames, EntriesRoundTripThroughTheAssembler) {
  std::u16string name = *Utf8ToUtf16("A fairly long name with \xF0\x9F\x98\x80 emoji.txt");
  ShortName sn = SN("AFAIRL~1TXT");
  auto entries = MakeLfnEntries(name, ShortNameChecksum(sn));
  ASSERT_EQ(entries.size(), LfnEntryCount(name));
  EXPECT_EQ(entries.front().ordinal, 0x40 | entries.size());
  EXPECT_EQ(entries.back().ordinal, 1);
  LfnAssembler a;
  for (const auto& e : entries) EXPECT_FALSE(a.Add(e).has_value());
  std::string problem;
  auto back = a.Take(sn, &problem);
  ASSERT_TRUE(back.has_value()) << problem;
  EXPECT_EQ(*back, name);
}

TEST(LongNames, AssemblerReportsBadChecksumAndOrdinals) {
  std::u16string name = *Utf8ToUtf16("a name that needs two entries");
  auto entries = MakeLfnEntries(name, 0x12);
  LfnAssembler a;
  for (const auto& e : entries) a.Add(e);
  std::string problem;
  EXPECT_FALSE(a.Take(SN("ANAMET~1   "), &problem).has_value());
  EXPECT_NE(problem.find("checksum"), std::string::npos);
  LfnAssembler b;
  EXPECT_TRUE(b.Add(entries.back()).has_value());  // ordinal 1 without the 0x40 entry
}

TEST(ShortNames, ExactNamesKeepCaseThroughNtResBits) {
  auto up = AnalyzeName("README.TXT");
  EXPECT_TRUE(up.exact);
  EXPECT_EQ(up.case_bits, 0);
  EXPECT_EQ(up.basis, SN("README  TXT"));
  auto low = AnalyzeName("readme.txt");
  EXPECT_TRUE(low.exact);
  EXPECT_EQ(low.case_bits, DirEntry::kLowerBase | DirEntry::kLowerExt);
  auto mixed_parts = AnalyzeName("README.txt");
  EXPECT_TRUE(mixed_parts.exact);
  EXPECT_EQ(mixed_parts.case_bits, DirEntry::kLowerExt);
  EXPECT_FALSE(AnalyzeName("ReadMe.txt").exact);  // mixed case in one part: long name
  EXPECT_FALSE(AnalyzeName("longername.txt").exact);
  EXPECT_FALSE(AnalyzeName("a.b.c").exact);
  EXPECT_FALSE(AnalyzeName(".hidden").exact);
  EXPECT_FALSE(AnalyzeName("with space").exact);
  EXPECT_FALSE(AnalyzeName("caf\xC3\xA9").exact);
  EXPECT_EQ(ShortNameToString(low.basis, low.case_bits), "readme.txt");
}

TEST(ShortNames, BasisFollowsTheAlgorithm) {
  EXPECT_EQ(AnalyzeName("The quick brown.fox").basis, SN("THEQUICKFOX"));
  EXPECT_EQ(AnalyzeName("my.file.name.txt").basis, SN("MYFILENATXT"));
  EXPECT_EQ(AnalyzeName("...dots").basis, SN("DOTS       "));
  EXPECT_EQ(AnalyzeName("a+b=c[1]").basis, SN("A_B_C_1_   "));
  EXPECT_EQ(AnalyzeName("\xC3\xA9t\xC3\xA9.txt").basis, SN("_T_     TXT"));
}

TEST(ShortNames, NumericTailsThenHashedForm) {
  ShortNameTable table;
  ShortName basis = SN("LONGFILETXT");
  std::vector<ShortName> got;
  for (int i = 0; i < 40; ++i) {
    got.push_back(table.Generate(basis, u"longfilename" + std::u16string(1, u'a' + i % 26) +
                                            std::u16string(1, u'A' + i / 26)));
  }
  EXPECT_EQ(got[0], SN("LONGFI~1TXT"));
  EXPECT_EQ(got[3], SN("LONGFI~4TXT"));
  EXPECT_EQ(std::string(got[4].data(), 2), "LO");
  EXPECT_EQ(got[4][6], '~');
  std::sort(got.begin(), got.end());
  EXPECT_EQ(std::unique(got.begin(), got.end()), got.end()) << "names must be unique";
}

TEST(ShortNames, ReservedExactNamesAreNeverGenerated) {
  ShortNameTable table;
  EXPECT_TRUE(table.Reserve(SN("LONGFI~1TXT")));
  EXPECT_FALSE(table.Reserve(SN("LONGFI~1TXT")));
  EXPECT_EQ(table.Generate(SN("LONGFILETXT"), u"longfilename.txt"), SN("LONGFI~2TXT"));
}

TEST(Timestamps, EncodeDecodeAndClamp) {
  // 2023-11-14 22:13:21 UTC
  FatTimestamp ts = EncodeTimestamp(1700000001, 500'000'000, std::nullopt);
  EXPECT_EQ(ts.date, ((2023 - 1980) << 9) | (11 << 5) | 14);
  EXPECT_EQ(ts.time, (22 << 11) | (13 << 5) | (21 / 2));
  EXPECT_EQ(ts.tenth, 100 + 50);
  EXPECT_EQ(DecodeTimestamp(ts.date, ts.time), 1700000000);
  FatTimestamp clamped = EncodeTimestamp(1800000000, 0, int64_t{1700000000});
  EXPECT_EQ(DecodeTimestamp(clamped.date, clamped.time), 1700000000);
  FatTimestamp old = EncodeTimestamp(0, 0, std::nullopt);
  EXPECT_EQ(old.date, (0 << 9) | (1 << 5) | 1);
}

TEST(Upcase, FoldsCommonScripts) {
  EXPECT_EQ(Upcase(*Utf8ToUtf16("stra\xC3\x9F"
                                "e \xC3\xA9t\xC3\xA9 \xD0\xB4\xCE\xB1")),
            *Utf8ToUtf16("STRA\xC3\x9F"
                         "E \xC3\x89T\xC3\x89 \xD0\x94\xCE\x91"));
}

}  // namespace
}  // namespace mediaforge::fat32
