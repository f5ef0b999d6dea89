// Mentions: which `@name` tokens in a message name an agent, and how explicit ids merge in.
#include "domain/mentions.hpp"

#include <gtest/gtest.h>

namespace mc {
namespace {

using ids = std::vector<std::string>;

TEST(Mentions, ANameAfterAnAtIsAMention) {
  EXPECT_EQ(mentions_in("@sam can you check this?"), ids{"sam"});
  EXPECT_EQ(mentions_in("ask @sam"), ids{"sam"});
}

TEST(Mentions, PunctuationEndsTheName) {
  EXPECT_EQ(mentions_in("@sam, @riley: and @ann."), (ids{"sam", "riley", "ann"}));
  EXPECT_EQ(mentions_in("(@sam)"), ids{"sam"});
}

TEST(Mentions, IdsKeepDigitsDashesAndUnderscores) {
  EXPECT_EQ(mentions_in("@seo-bot_2 go"), ids{"seo-bot_2"});
}

TEST(Mentions, AnEmailAddressIsNotAMention) {
  EXPECT_TRUE(mentions_in("mail a@b.com or first.last@example.org").empty());
  EXPECT_TRUE(mentions_in("x+tag@sam").empty());
}

TEST(Mentions, ADoubledAtIsNotAMention) {
  EXPECT_TRUE(mentions_in("@@x").empty());
}

TEST(Mentions, AnAddressWithAHostIsNotAMention) {
  EXPECT_TRUE(mentions_in("@sam@social.example").empty());
}

TEST(Mentions, OnlyValidAgentIdSyntaxCounts) {
  EXPECT_TRUE(mentions_in("@ alone").empty());
  EXPECT_TRUE(mentions_in("@_hidden and @-dash").empty());
  EXPECT_TRUE(mentions_in("@" + std::string(65, 'a')).empty());
  EXPECT_EQ(mentions_in("@" + std::string(64, 'a')), ids{std::string(64, 'a')});
}

TEST(Mentions, UpperCaseIsFoldedToTheLowerCaseId) {
  EXPECT_EQ(mentions_in("@Sam @SAM"), ids{"sam"});
}

TEST(Mentions, UnicodeAroundANameDoesNotHideIt) {
  EXPECT_EQ(mentions_in("请@sam看看"), ids{"sam"});
  EXPECT_TRUE(mentions_in("merci @léa").empty());
  EXPECT_TRUE(mentions_in("josé@example.com").empty());
  EXPECT_EQ(mentions_in("Привет @sam!"), ids{"sam"});
  EXPECT_EQ(mentions_in("@sam，好"), ids{"sam"});
  EXPECT_TRUE(mentions_in("@é").empty());
}

TEST(Mentions, EachAgentIsListedOnceInOrderOfFirstMention) {
  EXPECT_EQ(mentions_in("@riley @sam @riley"), (ids{"riley", "sam"}));
}

TEST(Mentions, ExplicitIdsComeFirstAndAreNotRepeated) {
  EXPECT_EQ(merge_mentions({"ann", "sam"}, "@sam and @riley"), (ids{"ann", "sam", "riley"}));
  EXPECT_EQ(merge_mentions({"ann", "ann"}, ""), ids{"ann"});
}

} // namespace
} // namespace mc
